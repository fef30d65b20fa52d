"""中文 for the lessons (rnnplay/lessons.py: titles, summaries, every step, UI, CHART_LABELS) and the
narrator panel (app_pages/narrator.py)."""

ZH = {
    # the narrator panel and the Home section (lessons.UI)
    "Lessons": "课程",
    "Each opens a page set up for one idea and narrates what to look at; press Auto-play, or step through with "
    "Next. Free play is one click away.": "每节课都会打开一个为某个概念配置好的页面，并讲解该看哪里；"
    "点击“自动播放”，或用“下一步”逐步浏览。随时一键进入自由探索。",
    "Open the lesson": "打开本课",
    "(needs the {page} page, which this app does not list)": "（需要{page}页面，但本应用没有列出它）",
    "Lesson: {title}": "课程：{title}",
    "step {i} of {n}": "第 {i} 步，共 {n} 步",
    "Look at: {chart}": "请看：{chart}",
    "Back": "上一步",
    "Next": "下一步",
    "Auto-play": "自动播放",
    "Stop auto-play": "停止自动播放",
    "Free play": "自由探索",
    "Leave the lesson; the settings and the run stay as they are.": "离开本课；设置和当前训练保持不变。",
    "Unknown lesson {id} in the link: the lessons are {ids}.": "链接中的课程 {id} 不存在：可用的课程有 {ids}。",
    "Lesson {id!r} belongs on the {page} page.": "课程 {id!r} 应在{page}页面打开。",
    "This page's settings differ from the lesson's ({fields}).": "本页的设置与课程的设置不同（{fields}）。",
    "Open the lesson with its settings": "按课程的设置打开本课",
    "next after step {n}": "训练到第 {n} 步后继续",
    "next when training ends": "训练结束后继续",
    # the charts a step points at (lessons.CHART_LABELS)
    "the loss chart": "损失曲线图",
    "the metric (accuracy) chart": "指标（准确率）曲线图",
    "the gradient-norm chart": "梯度范数曲线图",
    "the gradient through time ‖∂L/∂hₜ‖": "随时间反向传播的梯度 ‖∂L/∂hₜ‖",
    "the gradient-through-time heatmaps": "随时间反向传播梯度的热力图",
    "the hidden activations": "隐藏层激活值",
    "the task view": "任务视图",
    "the spectral radius of W_hh": "W_hh 的谱半径",
    "the singular values of W_hh": "W_hh 的奇异值",
    "the gradient norm per parameter tensor": "各参数张量的梯度范数",
    # vanishing
    "Course 5.2 · Vanishing gradients: RNN vs LSTM vs GRU": "第五课·课时2 · 梯度消失：RNN vs LSTM vs GRU",
    "Three networks must add two numbers marked up to 50 steps apart. The RNN's loss stays on the chance line "
    "while the LSTM and GRU fall below it; the heatmaps show why.": "三个网络都要把相隔最多 50 个时间步的"
    "两个标记数相加。RNN 的损失一直停在随机基线上，而 LSTM 和 GRU 降到了基线以下；热力图揭示了原因。",
    "Three networks, one dataset, one seed: a plain RNN, an LSTM and a GRU. Each reads 50 numbers and must output "
    "the sum of the two marked ones. The dashed line is chance: always answering 1 gives a mean squared error of "
    "1/6.": "三个网络，同一份数据，同一个随机种子：一个普通 RNN、一个 LSTM 和一个 GRU。每个网络读入 50 个数，"
    "要输出其中两个被标记的数之和。虚线是随机基线：永远回答 1，均方误差为 1/6。",
    "Training all three, taking turns on the CPU. Watch the loss curves against the chance line.": "三个网络轮流占用 "
    "CPU 同时训练。请对照随机基线观察损失曲线。",
    "Your turn: shorten T to 10 and the RNN learns too; or keep T = 50 and try an orthogonal initialisation. Free "
    "play keeps everything as it is.": "轮到你了：把 T 缩短到 10，RNN 也能学会；或者保持 T = 50，试试正交初始化。"
    "进入自由探索时一切保持原样。",
    # exploding
    "Exploding gradients and clipping": "梯度爆炸与梯度裁剪",
    "Two linear RNNs learn to count ones with SGD and momentum 0.99. Without clipping W_hh's spectral radius "
    "creeps above 1, the gradient grows toward t = 1 and feeds itself until the loss is NaN; with norm clipping "
    "the same run keeps counting.": (
        "两个线性 RNN 用带 0.99 动量的 SGD 学习数 1 的个数。不做梯度裁剪时，W_hh 的谱半径慢慢升到 1 以上，梯度"
        "越往 t = 1 越大，并且自我放大，直到损失变成 NaN；按范数裁剪后，同样的训练一直能数对。"
    ),
    "Train both and watch the gradient norms.": "开始训练两个网络，观察梯度范数。",
    # bidirectional
    "Course 5.2 · Bidirectional helps tagging": "第五课·课时2 · 双向 RNN 助力序列标注",
    "Tag each word; can, fly, watch and duck need the NEXT word to be tagged. A left-to-right RNN's loss stops at "
    "the line of the best forward guess; a bidirectional one reads ahead and goes to zero.": "给每个词标注词性；"
    "can、fly、watch 和 duck 要看“下一个”词才能标注。从左到右的 RNN，损失停在只能向前看时最好猜测的基线上；"
    "双向 RNN 能看到后文，损失降到零。",
    "“watch the duck” — watch is a verb; “duck watch fly” — now watch is a noun. An ambiguous word's tag depends "
    "on the word after it. Two RNNs race on the same sentences: one reads left to right, one in both "
    "directions.": "“watch the duck”中 watch 是动词；“duck watch fly”中 watch 却是名词。"
    "歧义词的词性取决于它后面的词。两个 RNN 在同样的句子上比赛：一个从左到右读，一个双向读。",
    "Training both.": "两个网络都在训练。",
    "The dashed line is the best a left-to-right reader can do: tag every fixed word right and guess at can, "
    "fly, watch and duck (about 84% of words right). The left-to-right RNN stops on that line; the bidirectional "
    "one has read the next word and its loss goes to zero.": "虚线是从左到右阅读所能做到的最好结果："
    "固定词性的词全部标对，can、fly、watch 和 duck 只能靠猜（约 84% 的词正确）。"
    "从左到右的 RNN 停在这条线上；双向 RNN 已经读到了下一个词，损失降到零。",
    "Your turn: in the Playground type your own sentence into Try it, with Bidirectional on and off.": "轮到你了："
    "在训练场的“试一试”里输入你自己的句子，分别打开和关闭双向（Bidirectional）试试。",
    # random
    "Overfitting random labels": "过拟合随机标签",
    "Noise sequences with coin-flip labels: nothing to learn, yet training accuracy climbs to 100% while "
    "validation stays at 50% — the network memorised.": "噪声序列配上抛硬币得到的标签：根本没有规律可学，"
    "训练准确率却升到 100%，而验证集准确率停在 50%——网络是在死记硬背。",
    "128 sequences of pure noise, each with a random label. There is no rule to find: the best any model can do "
    "on new sequences is 50%.": "128 条纯噪声序列，每条配一个随机标签。这里没有任何规律："
    "任何模型在新序列上最多只能做到 50%。",
    "Train and watch the accuracy: training (blue) against validation (orange).": "开始训练并观察准确率："
    "训练集（蓝色）对比验证集（橙色）。",
    "Training accuracy climbs toward 100% while validation stays on the chance line, and the validation loss "
    "rises: the network memorised 128 answers. That gap is overfitting.": "训练准确率逼近 100%，"
    "验证准确率却停在随机基线上，验证损失还在上升：网络记住了 128 个答案。这个差距就是过拟合。",
    "The task view says it in two bars: memorised ~100% of the training set, ~50% of fresh sequences.": "任务视图"
    "用两根柱子说明了一切：训练集记住了约 100%，新序列只对了约 50%。",
    "Your turn: set Sequences to memorise to 2000, or the hidden size to 4, and see memorising get "
    "harder.": "轮到你了：把要记忆的序列数（Sequences to memorise）设为 2000，或把隐藏层大小设为 4，"
    "看看死记硬背变得有多难。",
    # hello
    "hello → elloh": "hello → elloh",
    "The course's first character-level RNN: eight hidden units learn to predict the next character of 'hello' "
    "in a few seconds.": "课程中的第一个字符级 RNN：8 个隐藏单元在几秒钟内学会预测 'hello' 的下一个字符。",
    "The network reads h, e, l, l, o one character at a time and must predict the next one: the target is "
    "“elloh”. The tricky part: after the first l comes l, after the second comes o — only the hidden state can "
    "tell them apart.": "网络逐个读入 h、e、l、l、o，每步都要预测下一个字符：目标是“elloh”。"
    "难点在于：第一个 l 后面是 l，第二个 l 后面是 o——只有隐藏状态能区分它们。",
    "Train: 200 steps of one sequence each.": "开始训练：200 步，每步一条序列。",
    "The prediction now reads “elloh”: the hidden state remembered how many l's it had seen. Sampling from the "
    "model repeats hello.": "现在的预测是“elloh”：隐藏状态记住了已经看到几个 l。从模型采样会不断重复 hello。",
    "Your turn: type a longer text, or open a built-in corpus (Shakespeare's sonnets, Tang poems).": "轮到你了："
    "输入一段更长的文本，或打开内置语料（莎士比亚十四行诗、唐诗）。",
    # copy
    "Course 5.2 · Gates that remember: the copy task": "第五课·课时2 · 会记忆的门控：复制任务",
    "Recall ten symbols after a delay of blanks. An LSTM's gates hold them; a plain RNN of the same size forgets "
    "them.": "在一段空白延迟之后回忆出十个符号。LSTM 的门控能把它们保存下来；同样大小的普通 RNN 会把它们忘掉。",
    "Ten random symbols, then a run of blanks, then a signal: now write the ten symbols back. An LSTM and a plain "
    "RNN race on the same data.": "先是十个随机符号，然后是一串空白，接着是一个信号：现在把这十个符号写回来。"
    "一个 LSTM 和一个普通 RNN 在同样的数据上比赛。",
    "Training both, taking turns on the CPU.": "两个网络轮流占用 CPU 同时训练。",
    "The gradient through time ‖∂L/∂hₜ‖ at step {step}: what reaches t = 1 is {rnn} of the gradient at "
    "t = 50 for the RNN, and {lstm} for the LSTM — both vanished. An LSTM starts with its forget gates "
    "near σ(0) = 0.5, and 49 steps of ×0.5 leave 2e-15. The GRU's: {gru}.": (
        "第 {step} 步的随时间反向传播梯度 ‖∂L/∂hₜ‖：到达 t = 1 的梯度，RNN 只有 t = 50 处的 {rnn}，LSTM 只有 {l"
        "stm}——两者都发生了梯度消失。LSTM 起初的遗忘门都在 σ(0) = 0.5 附近，49 步 ×0.5 只剩 2e-15。GRU 的是"
        " {gru}。"
    ),
    "Between steps {before_step} and {open_step} the LSTM opened its memory path: the gradient "
    "reaching t = 1 rose from {before} to {after} of the gradient at t = 50, and its loss, "
    "{loss_before} at step {before_step}, is {loss_now} now (chance {chance}). One of its units keeps "
    "a forget gate of {forget} on average across the sequence: its cell state carries the first number "
    "to the end.": (
        "在第 {before_step} 步到第 {open_step} 步之间，LSTM 打开了它的记忆通路：到达 t = 1 的梯度从 t = 50 "
        "处的 {before} 升到 {after}；它的损失在第 {before_step} 步时为 {loss_before}，现在为 {loss_now}（随"
        "机基线 {chance}）。它有一个单元的遗忘门在整个序列上平均保持在 {forget}：这个单元的细胞状态把第一个"
        "数一直带到序列末尾。"
    ),
    "The GRU's loss fell below half the chance line at step {gru_step}, the LSTM's at step "
    "{lstm_step}; now they are at {gru} and {lstm}: they found the two numbers. The RNN is still on "
    "the line at {rnn} (chance {chance}): over {probes} probes the gradient reaching its t = 1 was a "
    "median {rnn_ratio} of that at t = 50 — it cannot learn what its gradient cannot reach.": (
        "GRU 的损失在第 {gru_step} 步降到随机基线的一半以下，LSTM 在第 {lstm_step} 步；现在它们分别为 {gru}"
        " 和 {lstm}：它们找到了那两个数。RNN 仍停在基线上，为 {rnn}（随机基线 {chance}）：在 {probes} 次探"
        "测中，到达它 t = 1 的梯度的中位数只有 t = 50 处的 {rnn_ratio}——梯度到不了的地方，它就学不会。"
    ),
    "The loss is {loss}, {share} of the dashed line ({chance}): that line is the best guess that "
    "ignores what came before, by the letter frequencies of “hello” (l twice as often as h, e or o).": (
        "损失为 {loss}，是虚线（{chance}）的 {share}：这条虚线是不看前文、只按 “hello” 的字母频率猜测所能做"
        "到的最好结果（l 出现的次数是 h、e、o 的两倍）。"
    ),
    "The dashed line ({chance}) is the loss of the best guess that remembers nothing. The LSTM is "
    "below it at {lstm} (first at step {below}): through the delay, {wide} of its {units} units hold "
    "their forget gate above 0.9 (the median unit's: {median}), and their cell states carry the "
    "symbols across. The RNN is at {rnn}, above the line: it has not even learned the memoryless guess "
    "at this learning rate.": (
        "虚线（{chance}）是什么都不记住时最好猜测的损失。LSTM 已降到线下，为 {lstm}（第 {below} 步首次低于它）："
        "在整段延迟中，它的 {units} 个单元里有 {wide} 个把遗忘门保持在 0.9 以上（中位单元为 {median}），这"
        "些单元的细胞状态把符号带过了延迟。RNN 为 {rnn}，在线上方：在这个学习率下，它连不记忆的最好猜测都还"
        "没学会。"
    ),
    "Your turn: race again with the RNN at lr 0.002 — does it get below the line? Or make the delay "
    "longer, or give the RNN more units.": (
        "轮到你了：把 RNN 的学习率设为 0.002 再比一次——它能降到线下吗？或者把延迟调长，或给 RNN 更多单元。"
    ),
    "Waiting for the first probe of all three networks' gradients.": "正在等待三个网络梯度的第一次探测。",
    "The gradient through time ‖∂L/∂hₜ‖: the RNN's falls by orders of magnitude toward t = 1 ({rnn} of "
    "the gradient at t = 50 at step {step}). This machine trained fast: the LSTM has already begun to "
    "carry its gradient back ({lstm}); the heatmaps below show it vanished at first.": (
        "随时间反向传播的梯度 ‖∂L/∂hₜ‖：RNN 的梯度越往 t = 1 越小，相差好几个数量级（第 {step} 步时为 t = 50 处"
        "的 {rnn}）。这台机器训练得很快：LSTM 已经开始把梯度传回去了（{lstm}）；下方的热力图显示它起初也发"
        "生了梯度消失。"
    ),
    "Waiting for the LSTM to open its memory path: at step {step} its gradient at t = 1 is {lstm} of "
    "the gradient at t = 50.": (
        "正在等待 LSTM 打开它的记忆通路：第 {step} 步时，它在 t = 1 的梯度是 t = 50 处的 {lstm}。"
    ),
    "In this run the LSTM has not opened its memory path: at step {step} its gradient at t = 1 is "
    "{lstm} of the gradient at t = 50, and its loss is not below half the chance line.": (
        "这次训练中 LSTM 没有打开它的记忆通路：第 {step} 步时，它在 t = 1 的梯度是 t = 50 处的 {lstm}，损失"
        "也没有降到随机基线的一半以下。"
    ),
    "Waiting for both the GRU's and the LSTM's loss to fall below half the chance line.": (
        "正在等待 GRU 和 LSTM 的损失都降到随机基线的一半以下。"
    ),
    "This run does not show the usual race: look at the loss curves against the chance line and at the "
    "gradient through time of each network.": (
        "这次训练没有出现通常的结果：请对照随机基线看损失曲线，并看每个网络随时间反向传播的梯度。"
    ),
    "Two identical linear RNNs — no activation: hₜ = W_hh·hₜ₋₁ + W_ih·xₜ + b — read 10 bits and must say "
    "whether more than half are 1. A counter keeps what it has counted, so W_hh starts orthogonal: spectral "
    "radius 1 (its chart fills in once training starts). Going back in time multiplies the gradient by W_hhᵀ once "
    "per step: with a spectral radius above 1 it grows toward t = 1, the mirror image of vanishing. Both use SGD "
    "with momentum 0.99; one clips the gradient's norm at 1.": (
        "两个完全相同的线性 RNN——没有激活函数：hₜ = W_hh·hₜ₋₁ + W_ih·xₜ + b——读入 10 个比特，要判断其中 1 是否"
        "超过一半。计数器要保住已经数到的数，所以 W_hh 初始化为正交矩阵：谱半径为 1（训练开始后它的图表才出现）。"
        "沿时间往回每走一步，梯度就"
        "乘一次 W_hhᵀ：谱半径大于 1 时，梯度越往 t = 1 越大——正是梯度消失的镜像。两者都用带 0.99 动量的 SGD；"
        "一个不做梯度裁剪，一个把梯度范数裁剪到 1。"
    ),
    "The unclipped run learned to count first (its loss below half the chance line at step {learned}). Then "
    "momentum carried W_hh past 1: at step {step} its spectral radius was {rho} (Spectral radius tab), and that "
    "probe's row of its heatmap has ‖∂L/∂h₁‖ = {rise} × ‖∂L/∂h_T‖, ×{per_step} per step back — the gradient grows "
    "toward t = 1.": (
        "不裁剪的那一个先学会了计数（第 {learned} 步时损失已低于随机基线的一半）。随后动量把 W_hh 推过了 1：第 "
        "{step} 步时它的谱半径为 {rho}（“谱半径”标签页），它热力图上那次探测的一行里 ‖∂L/∂h₁‖ = ‖∂L/∂h_T‖ 的 "
        "{rise} 倍，每往回一步 ×{per_step}——梯度越往 t = 1 越大。"
    ),
    "Waiting for the unclipped run to learn and for a probe of it with the spectral radius above 1 (step "
    "{step}).": "正在等待不裁剪的那一个学会计数，并等到一次谱半径大于 1 的探测（第 {step} 步）。",
    "After it had learned, the unclipped run was probed {probes} times, and no probe caught its spectral radius "
    "above 1: probes come a few times a second, and it stopped at step {step}. Its gradient-norm chart shows the "
    "growth.": (
        "不裁剪的那一个学会之后被探测了 {probes} 次，没有一次赶上它的谱半径大于 1：探测每秒只有几次，而它在第 "
        "{step} 步就停止了。它的梯度范数图显示了这段增长。"
    ),
    "The growth feeds itself: a larger spectral radius makes a larger gradient, a larger gradient a larger SGD "
    "step, and the step pushes the radius up again. The unclipped gradient norm was {early} (median of its "
    "first 100 steps), {late} over its last {last} steps and {peak} at step {peak_step}; at step {step} the loss "
    "or the gradient was no longer a finite number and the run stopped (the ✕ on its gradient-norm chart).": (
        "这种增长会自我放大：谱半径越大，梯度越大；梯度越大，SGD 的一步越大；这一步又把谱半径推得更高。不裁剪的"
        "梯度范数在前 100 步的中位数是 {early}，最后 {last} 步的中位数是 {late}，第 {peak_step} 步达到 {peak}；"
        "到第 {step} 步，损失或梯度已不再是有限的数，训练停止（它梯度范数图上的 ✕）。"
    ),
    "Waiting for the unclipped run to stop or to finish (step {step}).": (
        "正在等待不裁剪的那一个停止或训练完（第 {step} 步）。"
    ),
    "In this run the unclipped network did not break after a growing gradient (step {step}); look at its "
    "gradient norm against the clipped one's.": (
        "这次训练中，不裁剪的网络没有在梯度增长之后崩溃（第 {step} 步）；请把它的梯度范数与做了裁剪的那一个对比。"
    ),
    "The clipped run's spectral radius went above 1 too (at most {rho_max} at the probes, {rho} at step "
    "{probe_step}), but every gradient above norm 1 was scaled back to 1 before its update ({cut} of its steps "
    "so far), so no spike could feed the growth. It keeps counting: at step {now} its loss is {loss}, below half "
    "the chance line ({chance}) since step {below}.": (
        "做了裁剪的那一个，谱半径也超过过 1（各次探测中最高 {rho_max}，第 {probe_step} 步为 {rho}），但每个范数"
        "超过 1 的梯度在更新前都被缩回到 1（到目前为止 {cut} 的步被裁剪过），所以没有哪个尖峰能让增长自我放大。"
        "它一直能数对：第 {now} 步时损失为 {loss}，自第 {below} 步起低于随机基线（{chance}）的一半。"
    ),
    "Your turn: lower the momentum to 0.9, or switch the activation to tanh: does the unclipped run still "
    "break, and what does its gradient through time do?": (
        "轮到你了：把动量降到 0.9，或把激活函数换成 tanh：不裁剪的那一个还会崩溃吗？它随时间反向传播的梯度会怎样？"
    ),
    "Waiting for the clipped run's loss to fall below half the chance line.": (
        "正在等待做了裁剪的那一个的损失降到随机基线的一半以下。"
    ),
    "In this run the clipped network's loss has not fallen below half the chance line.": (
        "这次训练中做了裁剪的网络的损失没有降到随机基线的一半以下。"
    ),
    "Waiting for the loss to fall below a quarter of the dashed line.": "正在等待损失降到虚线的四分之一以下。",
    "This run's loss, {loss}, has not fallen below a quarter of the dashed line ({chance}).": (
        "这次训练的损失 {loss} 没有降到虚线（{chance}）的四分之一以下。"
    ),
    "Waiting for the LSTM's loss to fall clearly below the line ({chance}); it is at {lstm}.": (
        "正在等待 LSTM 的损失明显降到虚线（{chance}）以下；现在为 {lstm}。"
    ),
    "In this run the LSTM has not gone clearly below the memoryless line ({chance}) yet: its loss is "
    "{lstm}. The RNN's is {rnn}.": (
        "这次训练中 LSTM 还没有明显降到不记忆基线（{chance}）以下：它的损失为 {lstm}。RNN 的为 {rnn}。"
    ),
}
