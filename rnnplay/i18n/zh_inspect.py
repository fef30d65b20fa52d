"""中文 for the Inspect page (app_pages/inspect.py) and what rnnplay/inspect_data.py says."""

ZH = {
    (
        "Look inside the Playground's model as it is now: every unit's activation at every time step of one "
        "sequence, the gates, how many units are saturated, and the path the hidden state takes."
    ): (
        "看看训练场中的模型此刻的内部：一个序列在每个时间步上每个单元的激活值、各个门、有多少单元饱和，以及隐藏"
        "状态走过的路径。"
    ),
    "No model to inspect yet: open the Playground, pick a task and press **Train** (or Step one batch).": (
        "还没有可观察的模型：打开训练场，选择一个任务，然后按**训练**（或单步训练一批）。"
    ),
    "Open the Playground": "打开训练场",
    "queued": "排队中",
    "running": "训练中",
    "done": "已完成",
    "Input": "输入",
    "Probe sample": "探测样本",
    "My own input": "我自己的输入",
    "Your input": "你的输入",
    "Your input: {help}": "你的输入：{help}",
    "Probe sample (0 to {last})": "探测样本（0 到 {last}）",
    "Your input {shown}: {problem} — showing probe sample {i} instead.": (
        "你的输入 {shown}：{problem}——改为显示探测样本 {i}。"
    ),
    "{arch} bidirectional, hidden size {hidden}": "双向 {arch}，隐藏层大小 {hidden}",
    "{arch}, hidden size {hidden}": "{arch}，隐藏层大小 {hidden}",
    ", last of {n} layers": "，{n} 层中的最后一层",
    ", the encoder's states": "，编码器的状态",
    "**{source}** · weights of step {step} of {steps} ({state}) · {what}  \nModel's answer: {output}": (
        "**{source}** · 第 {step} / {steps} 步的权重（{state}）· {what}  \n模型的回答：{output}"
    ),
    "An untrained model: its units respond to the input, but not yet usefully.": (
        "未训练的模型：它的单元会对输入作出反应，但还没有什么用处。"
    ),
    "Activations per time step": "每个时间步的激活值",
    "Bidirectional: units f0… read the sequence forwards, b0… backwards.": (
        "双向：单元 f0… 从前往后读序列，b0… 从后往前读。"
    ),
    "Saturated units": "饱和单元",
    "Threshold: {rule}. Overall {share:.0%} of (unit, step) activations.": (
        "阈值：{rule}。总体上 {share:.0%} 的（单元，时间步）激活值处于饱和。"
    ),
    "Trajectory of the hidden state": "隐藏状态的轨迹",
    "PCA view": "主成分分析视图",
    "2-D": "二维",
    "3-D": "三维",
    (
        "Principal axes fitted on {fit}, then this sequence projected on them: trajectories of different "
        "samples share one frame. The first {dims} axes hold {share:.0%} of that variance."
    ): (
        "主成分轴基于{fit}拟合，再把这个序列投影上去：不同样本的轨迹共用同一个坐标系。前 {dims} 个轴占这些方差"
        "的 {share:.0%}。"
    ),
    "History: replay the probe snapshots": "历史：回放探测快照",
    "No snapshots yet: they are taken while the model trains. Press Train on the Playground.": (
        "还没有快照：快照在模型训练时采集。请在训练场按「训练」。"
    ),
    "Training step of the snapshot": "快照所在的训练步",
    "One snapshot so far, at step {step}.": "目前只有一个快照，在第 {step} 步。",
    "Play": "播放",
    "Replay the snapshots from the first to the latest": "从第一个快照回放到最新的快照",
    "State": "状态",
    "{state} at step {step}": "第 {step} 步时的{state}",
    "{n} snapshots of probe sample 0 (older ones thinned). At step {step}: {share:.0%} of units saturated.": (
        "探测样本 0 的 {n} 个快照（较早的已抽稀）。第 {step} 步时：{share:.0%} 的单元饱和。"
    ),
    "a 0/1 string, e.g. 0110111001": "一个 0/1 串，例如 0110111001",
    "characters of the training text, e.g. {example}": "训练文本中的字符，例如 {example}",
    "a sentence, e.g. {example}": "一个句子，例如 {example}",
    "words of the tagging vocabulary, e.g. watch the duck fly": "标注词汇表中的词，例如 watch the duck fly",
    "digits for the encoder to read, e.g. 2024117": "让编码器读取的数字，例如 2024117",
    "1 to 10 digits from 1 to 8 to recall, e.g. 3141526358": (
        "要回忆的 1 到 10 个数字（每个取 1 到 8），例如 3141526358"
    ),
    "comma-separated numbers in [0, 1], two of them marked with *, e.g. 0.3*,0.5,0.1,0.8*,0.2": (
        "用逗号分隔的 [0, 1] 内的数，其中两个用 * 标记，例如 0.3*,0.5,0.1,0.8*,0.2"
    ),
    "a waveform: sine, square, triangle or sawtooth": "一种波形：sine、square、triangle 或 sawtooth",
    "sample: {i} is out of range; choose 0 to {last}": "样本：{i} 超出范围；请选择 0 到 {last}",
    "probe sample {i} of {n}": "探测样本 {i}（共 {n} 个）",
    "{name}: own input is not available for this task; pick a probe sample instead": (
        "{name}：这个任务不支持自己输入；请改选一个探测样本"
    ),
    "your input": "你的输入",
    "charlm input: {n} characters; use 1 to {most}": "charlm 输入：{n} 个字符；请输入 1 到 {most} 个字符",
    "sentiment input: type a sentence of 1 to {most} characters": (
        "sentiment 输入：请输入一个 1 到 {most} 个字符的句子"
    ),
    "sentiment input: type some words, not only punctuation or spaces": (
        "sentiment 输入：请输入一些词，不要只有标点或空格"
    ),
    "comma-separated numbers in [0, 1], exactly two marked with *, e.g. 0.3*,0.5,0.8*": (
        "用逗号分隔的 [0, 1] 内的数，恰好两个用 * 标记，例如 0.3*,0.5,0.8*"
    ),
    "adding input: {n} numbers; type 2 to {most} {usage}": "adding 输入：{n} 个数；请输入 2 到 {most} 个{usage}",
    "adding input: {p!r} is not a number; type {usage}": "adding 输入：{p!r} 不是数；请输入{usage}",
    "adding input: {p!r} is outside [0, 1]; type {usage}": "adding 输入：{p!r} 不在 [0, 1] 内；请输入{usage}",
    "adding input: {n} numbers marked with *; type {usage}": "adding 输入：有 {n} 个数用 * 标记；请输入{usage}",
    "wave input: {text!r} is not a waveform; choose one of {waves}": (
        "wave 输入：{text!r} 不是波形；请从 {waves} 中选一个"
    ),
    "the hidden states hold NaN/Inf (the run diverged): the PCA trajectory is left empty": (
        "隐藏状态中有 NaN/Inf（运行已发散）：主成分分析轨迹留空"
    ),
    "the {n} hidden states of all {b} probe samples (every real step)": (
        "全部 {b} 个探测样本的 {n} 个隐藏状态（每个真实时间步）"
    ),
    "a linear unit has no activation, so it never saturates: its slope is 1 for every h": (
        "线性单元没有激活函数，所以从不饱和：对任何 h 它的斜率都是 1"
    ),
    "a ReLU unit counts as saturated (dead) when h ≤ 0: it passes no gradient at all": (
        "ReLU 单元在 h ≤ 0 时算作饱和（死亡）：它完全不传递梯度"
    ),
    (
        "a unit counts as saturated when |h| > {threshold}: there tanh's slope 1 − h² is below {slope:.2f}, so "
        "it passes less than a tenth of the gradient back"
    ): "|h| > {threshold} 时单元算作饱和：此时 tanh 的斜率 1 − h² 低于 {slope:.2f}，回传的梯度不到十分之一",
    "predicted next value {p:.3f}": "预测下一个值 {p:.3f}",
    ", true {v:.3f}": "，真实值 {v:.3f}",
    "predicted {p:.3f}": "预测 {p:.3f}",
    ", target {v:.3f}": "，目标 {v:.3f}",
    "predicted {n} values": "预测了 {n} 个值",
    "{n} values generated, mean squared error {mse:.4f} against the true wave": (
        "生成了 {n} 个值，与真实波形的均方误差为 {mse:.4f}"
    ),
    "predicted **{name}** (p = {p:.2f})": "预测 **{name}**（p = {p:.2f}）",
    ", target **{name}** — right": "，目标 **{name}**——正确",
    ", target **{name}** — wrong": "，目标 **{name}**——错误",
    " (no target for your own input)": "（你自己的输入没有目标）",
    "predicted `{shown}`": "预测 `{shown}`",
    "predicted `{shown}`, target `{want}` — {right} of {n} steps right": (
        "预测 `{shown}`，目标 `{want}`——{n} 步中对了 {right} 步"
    ),
}
