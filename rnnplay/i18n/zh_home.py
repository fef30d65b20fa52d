"""中文 for the Home page (app_pages/home.py); the lesson cards' texts are in zh_lessons.py."""

ZH = {
    (
        "Train a recurrent network **live** and watch *why* it learns or forgets: the loss, the gradient norm, "
        "the **gradient flowing back through time** ‖∂L/∂hₜ‖ and the hidden activations at every time step — "
        "for your own RNN, LSTM or GRU, while it trains."
    ): (
        "**实时**训练一个循环神经网络，看清它*为什么*学会或遗忘：损失、梯度范数、**沿时间反向流动的梯度** "
        "‖∂L/∂hₜ‖，以及每个时间步的隐藏层激活值——就在你自己的 RNN、LSTM 或 GRU 训练的同时。"
    ),
    "Start here": "从这里开始",
    (
        "1. Open the **Playground**, pick a task and an architecture in the sidebar.\n2. Press **Train**. "
        "Charts update live; Pause, Step one batch, or Stop at any time.\n3. Change the hidden size, learning "
        "rate or clipping, press **Reset**, and compare.\n4. Copy the **share link** under the charts: it "
        "holds the whole configuration."
    ): (
        "1. 打开**训练场**，在侧边栏选择一个任务和一种架构。\n2. 按下**训练**。图表实时更新；随时可以暂停、单步"
        "训练一批或停止。\n3. 修改隐藏层大小、学习率或梯度裁剪，按下**重置**，再比较结果。\n4. 复制图表下方的"
        "**分享链接**：它包含完整的配置。"
    ),
    "Vanishing gradients: RNN on the adding problem": "梯度消失：RNN 做 adding 问题",
    (
        "A vanilla RNN must carry two numbers across 50 steps. Watch ‖∂L/∂h₁‖ fall ten orders of magnitude "
        "below ‖∂L/∂h_T‖ and the loss sit on the chance line."
    ): "普通 RNN 必须把两个数带过 50 个时间步。看 ‖∂L/∂h₁‖ 比 ‖∂L/∂h_T‖ 低十个数量级，损失一直停在随机基线上。",
    "…and the LSTM that remembers": "……以及能记住的 LSTM",
    "Same task, same seed: the LSTM's gradient through time stays flat and the loss drops below chance.": (
        "同样的任务、同样的随机种子：LSTM 沿时间回传的梯度保持平稳，损失降到随机基线以下。"
    ),
    "hello → elloh (the course's first char-RNN)": "hello → elloh（课程的第一个字符级 RNN）",
    "Eight hidden units learn to predict the next character of 'hello' in 200 steps.": (
        "8 个隐藏单元在 200 步内学会预测 'hello' 的下一个字符。"
    ),
    "Count the ones (many-to-one classification)": "数 1 的个数（多对一分类）",
    "The course's lesson 5, part 1 (§4): is the count of ones in a 0/1 sequence above half?": (
        "课程第五课·课时1（§四）的例子：一个 0/1 序列中 1 的个数是否超过一半？"
    ),
    "Forecast a noisy sine": "预测带噪声的正弦波",
    "A look-back window predicts the next value; see one-step and multi-step forecasts.": (
        "用一个滑动窗口预测下一个值；看看单步预测和多步预测。"
    ),
    "Open in the Playground": "在训练场中打开",
    "Every task of the course": "课程中的全部任务",
    (
        "Each opens the Playground with the task's own fast settings; its view and a Try it box sit under the charts."
    ): "每个链接都用该任务自己的快速设置打开训练场；任务的专属视图和「试一试」框在图表下方。",
    "many-to-one": "多对一",
    "many-to-many": "多对多",
    "seq2seq": "序列到序列",
    "one-to-many": "一对多",
    "Count the ones: is a 0/1 string more than half ones? See the verdict form step by step.": (
        "数 1：一个 0/1 串中 1 是否超过一半？看判断如何一步步形成。"
    ),
    "Next character: hello → elloh, Shakespeare's sonnets or Tang poems; sample with a temperature.": (
        "预测下一个字符：hello → elloh、莎士比亚十四行诗或唐诗；可按温度采样。"
    ),
    "Random labels: training accuracy climbs to 1 while validation stays at chance — memorising.": (
        "随机标签：训练准确率升到 1，验证集却停在随机基线——这是死记硬背。"
    ),
    "Forecast a noisy sine (or your own CSV series), one step and autoregressively.": (
        "预测带噪声的正弦波（或你自己的 CSV 序列），单步预测和自回归预测。"
    ),
    "Sentences in English or 中文, embeddings, variable lengths packed into one batch.": (
        "英文或中文句子、词嵌入、不同长度的句子打包进一个批次。"
    ),
    "A word's tag depends on the next word: only a bidirectional model can know it.": (
        "一个词的标签取决于下一个词：只有双向模型才能知道。"
    ),
    "Encoder-decoder: write a digit string backwards; teacher forcing, greedy decoding.": (
        "编码器-解码器：把一串数字倒着写出来；教师强制（teacher forcing）、贪心解码。"
    ),
    "From a one-hot class to a whole waveform: sine, square, triangle, sawtooth.": (
        "从一个独热编码的类别生成整条波形：正弦波、方波、三角波、锯齿波。"
    ),
    "Add two marked numbers far apart: the classic test of long memory.": (
        "把相隔很远的两个标记数相加：检验长期记忆的经典测试。"
    ),
    "Recall ten symbols after a delay of blanks: where gates beat a plain RNN.": (
        "在一段空白延迟之后回忆出十个符号：门控单元胜过普通 RNN 的地方。"
    ),
    "Open {name}": "打开 {name}",
    "{action} ({page})": "{action}（{page}）",
    (
        "Everything here also runs from the command line: `python -m rnnplay tasks` and `python -m rnnplay "
        "train --task adding --arch lstm --json`."
    ): (
        "这里的一切也能在命令行中运行：`python -m rnnplay tasks` 和 `python -m rnnplay train --task adding "
        "--arch lstm --json`。"
    ),
}
