"""中文 for the tasks (rnnplay/tasks/*.py): descriptions, chance lines, hints, try-it labels and refusals,
the views' titles and labels, the CSV loader's refusals. The data (texts, sentences, tokens) and the
names of fields, tasks and values (seq_len, csv, <UNK>, NOUN) stay as they are."""

ZH = {
    # base
    "a backward pass would read the answer": "反向读取会直接看到答案",
    "{task}: this task has no try-it input": "{task}：这个任务没有“试一试”输入",
    "output (the model's answer)": "输出",
    "chance": "随机水平",
    "value": "值",
    # descriptions (sidebar caption, CLI) ---------------------------------------------------------
    "0/1 sequence -> is the count of ones above half? (classification)": "0/1 序列 -> 1 的个数是否超过一半？（分类）",
    "next-character prediction on your text, sonnets or Tang poems; 'hello' -> 'elloh' "
    "(char-RNN)": "在你的文本、十四行诗或唐诗上预测下一个字符；'hello' -> 'elloh'（字符级 RNN）",
    "random noise with random labels: training accuracy climbs, validation stays at chance": "随机噪声配随机标签："
    "训练准确率不断上升，验证集准确率停在随机水平",
    "forecast the next value of a noisy sum of sines (or your CSV series) from a look-back window": "根据滑动窗口，"
    "预测带噪声的正弦叠加序列（或你的 CSV 序列）的下一个值",
    "short English or Chinese sentence -> positive or negative? (embeddings, packed lengths)": "英文或中文短句 -> "
    "正面还是负面？（词嵌入，变长序列打包）",
    "tag each word; can/fly/watch/duck need the NEXT word, so a bidirectional RNN wins": "给每个词标注词性；"
    "can/fly/watch/duck 要看“下一个”词，所以双向 RNN 胜出",
    "encoder-decoder: read a digit string of variable length, write it reversed (seq2seq)": "编码器-解码器："
    "读入一串长度可变的数字，倒序写出（seq2seq）",
    "from a one-hot class (sine/square/triangle/sawtooth) generate its waveform": "由独热编码的类别"
    "（正弦波/方波/三角波/锯齿波）生成对应的波形",
    "sum the two marked numbers of a long sequence (regression, long memory)": "求长序列中两个标记数之和"
    "（回归，长期依赖）",
    "copy memory (Arjovsky 2016): recall 10 symbols after `delay` blank steps": "复制记忆（Arjovsky 2016）："
    "经过 `delay` 个空白步后回忆出 10 个符号",
    # chance lines, hints, bidirectional refusals ---------------------------------------------------
    "the memoryless baseline of the paper (blanks, then a random symbol)": "论文中不带记忆的基线（先输出空白，"
    "再随机猜一个符号）",
    "Use an LSTM (its gates can hold the symbols) and give it time: it sits on the line before it "
    "recalls.": "使用 LSTM（它的门控能保存这些符号），并给它一些时间：它会先在基线上停留一阵，然后才开始回忆。",
    "a model that reads only the words so far (the next word decides an ambiguous tag)": "只读到当前为止的词的模型"
    "（歧义词的词性由下一个词决定）",
    "Turn on bidirectional: only a backward pass has read the next word.": "打开双向（bidirectional）："
    "只有反向读取才能读到下一个词。",
    "it predicts the next character, which a backward pass would already have read": "它要预测下一个字符，"
    "而反向读取早已读到了这个字符",
    "it generates the wave step by step from the class given at step 1; a backward pass would start from the end "
    "it is meant to produce": "它从第 1 步给出的类别出发逐步生成波形；反向读取却要从它本该生成的结尾开始",
    # try it: labels -------------------------------------------------------------------------------
    "A 0/1 string (up to 60 digits)": "一串 0/1（最多 60 位）",
    "Prime text": "引导文本",
    "Up to 10 digits from 1 to 8 for the model to recall (fewer are repeated to fill 10)": "最多 10 个 1 到 8 "
    "的数字，让模型回忆（不足 10 个时会重复补满）",
    "Digits to reverse": "要倒序的数字",
    "Type a sentence": "输入一个句子",
    "Words to tag, separated by spaces (the a dog cat bird runs sleeps sings can fly watch duck; a final . is "
    "added)": "要标注的词，用空格分隔（the a dog cat bird runs sleeps sings can fly watch duck；末尾会自动加上 .）",
    "Waveform to generate": "要生成的波形",
    "sine": "正弦波",
    "square": "方波",
    "triangle": "三角波",
    "sawtooth": "锯齿波",
    # try it: refusals ------------------------------------------------------------------------------
    "majority input: type 1 to 60 digits, only 0s and 1s, e.g. 0110100101": "majority 输入：请输入 1 到 60 位数字，"
    "只能是 0 和 1，例如 0110100101",
    "charlm input": "charlm 输入",
    "prime text": "引导文本",
    "{what}: type at least one character of the training text": "{what}：请至少输入一个训练文本中的字符",
    "{what}: {shown} not in the training text; use only its {n} characters, e.g. {allowed}": "{what}：{shown} "
    "不在训练文本中；只能使用训练文本里的 {n} 个字符，例如 {allowed}",
    "prime text: {n} characters; use 1 to {most}": "引导文本：{n} 个字符；请输入 1 到 {most} 个字符",
    "copy input: type 1 to {n} digits, each from 1 to 8 (no 0 or 9), e.g. 3141526358": "copy 输入：请输入 1 到 "
    "{n} 个数字，每个在 1 到 8 之间（不能有 0 或 9），例如 3141526358",
    "reverse input: type 1 to {n} digits 0-9 (seq_len={n}), e.g. 2024117": "reverse 输入：请输入 1 到 {n} 个 0-9 "
    "的数字（seq_len={n}），例如 2024117",
    "sentiment input: type a sentence (1 to {most} characters)": "sentiment 输入：请输入一个句子（1 到 {most} 个字符）",
    (
        "sentiment input: I don't know these words: {shown}. This model has read only {language} sentences "
        "(Sentences = {code}); try one like “{example}”"
    ): (
        "sentiment 输入：我不认识这些词：{shown}。这个模型只读过{language}句子（Sentences = {code}）；"
        "试试像“{example}”这样的句子"
    ),
    "Chinese": "中文",
    "sentiment input: {n} characters is too long; type 1 to {most} characters": "sentiment 输入：{n} 个字符太长了；"
    "请输入 1 到 {most} 个字符",
    "sentiment input: type some Chinese characters, not only punctuation or spaces": "sentiment 输入：请输入一些汉字，"
    "不要只有标点或空格",
    "tagging input: type 1 to {most} words separated by spaces, e.g. watch the duck fly": "tagging 输入：请输入 1 到 "
    "{most} 个用空格分隔的词，例如 watch the duck fly",
    "tagging input: unknown word {word!r}; use only these words: {words}": "tagging 输入：不认识的词 {word!r}；"
    "只能使用这些词：{words}",
    # views -----------------------------------------------------------------------------------------
    "the {n} training sequences": "{n} 条训练序列",
    "{n} fresh sequences": "{n} 条新序列",
    "Memorised {train:.0%} of the training set; {val:.0%} of fresh sequences (chance 50%)": "训练集记住了 "
    "{train:.0%}；新序列只对了 {val:.0%}（随机水平 50%）",
    "{title}: recalled {recalled} of {n} symbols after {delay} steps (_ = blank)": "{title}：经过 {delay} 步后"
    "回忆出 {n} 个符号中的 {recalled} 个（_ = 空白）",
    "A validation sequence": "一条验证序列",
    "Your digits {digits}": "你的数字 {digits}",
    "Greedy decoding of validation strings": "验证集字符串的贪心解码",
    "{source} → {output} (right)": "{source} → {output}（正确）",
    "{source} → {output} (wrong)": "{source} → {output}（错误）",
    "negative": "负面",
    "positive": "正面",
    "undecided": "未定",
    "{label} (P(positive) = {p:.2f})": "{label}（P(positive) = {p:.2f}）",
    "“{text}” is {label}; the model says {verdict}": "“{text}”是{label}的；模型判断为{verdict}",
    "The model says {verdict}": "模型判断为{verdict}",
    "The model says {verdict}; unknown words read as <UNK>: {shown}": "模型判断为{verdict}；"
    "以下未登录词按 <UNK> 处理：{shown}",
    "can, fly, watch, duck: NOUN before a verb-like word, VERB otherwise": "can、fly、watch、duck："
    "后面跟着类动词时是 NOUN，否则是 VERB",
    "your sentence": "你的句子",
    "true tag": "真实词性",
    "predicted tag": "预测词性",
    "Generated from the class at step 0 (solid) vs the true waves (dashed)": "由第 0 步的类别生成的波形（实线）"
    "与真实波形（虚线）",
    "{wave}: generated (solid) vs true (dashed)": "{wave}：生成的（实线）vs 真实的（虚线）",
    "{wave}: generated": "{wave}：生成",
    "{wave}: true": "{wave}：真实",
    # the learner's series and CSV file (sine.py) ------------------------------------------------------
    "{n} values": "{n} 个值",
    "at least {need} values for seq_len={seq_len} (or a shorter seq_len)": "seq_len={seq_len} 时至少需要 {need} "
    "个值（或把 seq_len 调短）",
    "{n} equal values": "{n} 个相同的值",
    "a series that varies": "一个有变化的序列",
    "{n} bytes": "{n} 字节",
    "a file of at most {mb} MB": "不超过 {mb} MB 的文件",
    "byte {n}": "第 {n} 个字节",
    "UTF-8 text (save the file as CSV UTF-8)": "UTF-8 文本（请把文件另存为 CSV UTF-8）",
    "plain-text CSV with one column of numbers": "只有一列数字的纯文本 CSV",
    "an empty file": "空文件",
    "one column of numbers (a header row allowed)": "一列数字（可以有一行表头）",
    "{n} rows": "{n} 行",
    "at most {n} numbers": "最多 {n} 个数",
    "a header without numbers": "只有表头、没有数字",
    "one column of numbers under the header": "表头下面的一列数字",
    "column {n}": "第 {n} 列",
    "{n} numeric columns": "{n} 个数值列",
    "{n} columns in row {row}": "第 {row} 行有 {n} 列",
    "at most {most} columns (a series is one column of numbers)": "最多 {most} 列（序列是一列数字）",
    "one column of numbers (found {listed}); keep one": "只能有一列数字（发现了 {listed}）；请只保留一列",
    "no numbers in {listed}": "{listed} 中没有数字",
    "row {row}, {column}: the cell is missing; every cell of the series must be a number": "第 {row} 行，"
    "{column}：该单元格缺失；序列的每个单元格都必须是数字",
    "row {row}, {column}: the cell is not a finite number; every cell of the series must be a number": "第 {row} 行，"
    "{column}：该单元格不是有限的数；序列的每个单元格都必须是数字",
    "row {row}, {column}: the cell is not a number; every cell of the series must be a number": "第 {row} 行，"
    "{column}：该单元格不是数字；序列的每个单元格都必须是数字",
    "{n} numbers": "{n} 个数",
    "at most {n}": "最多 {n} 个",
    "best left-to-right reader {x:.3g}": "只读到当前词时的最好结果 {x:.3g}",
}
