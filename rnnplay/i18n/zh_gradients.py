"""中文 for the Gradient lab (app_pages/gradients.py) and the race's labels and messages (rnnplay/race.py).
The buttons it shares with the Playground (Train, Pause, ...) are in zh_playground."""

ZH = {
    "Race 2–4 networks on the same data and seed and watch their gradients flow back through time. "
    "Pick a demo, or edit the entries below; the page's URL is a share link to exactly this race.": (
        "让 2–4 个网络在相同的数据和随机种子上比赛，观察它们的梯度如何沿时间反向传播。"
        "选一个演示，或在下面编辑参赛条目；页面网址就是这场比赛的分享链接。"
    ),
    "race={value} is not allowed: one of {choices} — using {default}": (
        "race={value} 不允许：可选值：{choices} —— 改用 {default}"
    ),
    "Shared by every entry": "所有条目共用的设置",
    "entry {i} (e{i})": "条目 {i}（e{i}）",
    "entry {i}: {error} — using {value}": "条目 {i}：{error} —— 改用 {value}",
    "entries: {n} rows, at most {max} race — the first {max} do": (
        "条目：共 {n} 行，最多 {max} 个参赛 —— 只比前 {max} 个"
    ),
    "entries: {n} — a race needs {lo} to {hi}: add a row.": "条目：{n} 个 —— 比赛需要 {lo} 到 {hi} 个：请添加一行。",
    "**Demos**": "**演示**",
    "Vanishing: RNN vs LSTM vs GRU": "梯度消失：RNN/LSTM/GRU",
    "Exploding: no clip vs clip": "梯度爆炸：不裁剪 vs 裁剪",
    "Bidirectional tagging": "双向序列标注",
    "Copy: LSTM vs RNN": "复制任务：LSTM vs RNN",
    "Activation (RNN)": "激活函数（RNN）",
    "Clipping": "梯度裁剪",
    "racing…": "比赛中…",
    "Racing": "比赛中",
    "Demos and entries": "演示与参赛配置",
    "Per tensor": "各参数张量",
    "The entries changed since this race started: press **Reset** (or **Train anew**) to race them.": (
        "比赛开始后条目有改动：按 **重置**（或 **重新训练**）让新条目比赛。"
    ),
    "steps {steps} of {total} · {rate} steps/s in all · {state}": (
        "各条目步数 {steps}（共 {total} 步）· 合计每秒 {rate} 步 · {state}"
    ),
    "**{label}** stopped — {message}": "**{label}** 已停止 —— {message}",
    "**{label}** failed: {message}": "**{label}** 失败：{message}",
    "{label}: gradient norm per tensor": "{label}：每个张量的梯度范数",
    "- **Loss**: each entry's training loss (solid) and validation loss (dotted); the dashed line is chance. "
    "An ✕ marks an entry whose loss or gradient became NaN/Inf.\n"
    "- **Gradient through time** ‖∂L/∂hₜ‖: how much the loss still feels the hidden state at step t. A plain "
    "RNN's curve falls by orders of magnitude toward t = 1 (the gradient *vanished*); an LSTM's or GRU's "
    "stays high. A curve that *rises* toward t = 1 is an exploding gradient.\n"
    "- **Heatmaps**: the same curve at every probe (x = time step, y = training step), all on one colour "
    "scale, so dark means the same small gradient in every heatmap.\n"
    "- **Spectral radius ρ and largest singular value σ₁ of W_hh**: above 1 the recurrence can amplify, "
    "below 1 it shrinks what flows back through it. The singular values chart shows the whole spectrum.\n"
    "- **Gradient norm** per entry, before and after clipping, with the threshold; and **per parameter "
    "tensor**: which weights get the gradient.": (
        "- **损失**：每个条目的训练损失（实线）和验证损失（点线）；虚线是随机水平。"
        "✕ 标出损失或梯度变成 NaN/Inf 的条目。\n"
        "- **沿时间回传的梯度** ‖∂L/∂hₜ‖：损失对第 t 步隐藏状态还有多敏感。普通 RNN 的曲线越靠近 t = 1 "
        "就下降好几个数量级（梯度 *消失* 了）；LSTM 和 GRU 的曲线则保持在高处。"
        "越靠近 t = 1 越 *上升* 的曲线就是梯度爆炸。\n"
        "- **热力图**：每次探测得到的同一条曲线（x = 时间步，y = 训练步），全部使用同一个色标，"
        "所以每张热力图里同样的深色代表同样小的梯度。\n"
        "- **W_hh 的谱半径 ρ 和最大奇异值 σ₁**：大于 1 时循环会放大信号，小于 1 时会使反向传回的信号衰减。"
        "奇异值图显示整个奇异值谱。\n"
        "- 每个条目的 **梯度范数**，分别显示裁剪前和裁剪后，并标出阈值；以及 **每个参数张量** 的梯度范数："
        "看哪些权重得到了梯度。"
    ),
    "Share this race": "分享这场比赛",
    "Anyone who opens this link gets exactly these entries and settings:": (
        "任何人打开这个链接，都会得到完全相同的条目和设置："
    ),
    # rnnplay/race.py: the legend's names and the entries' messages
    "no clip": "不裁剪",
    "clip {mode} {clip}": "裁剪 {mode} {clip}",
    "bidirectional": "双向",
    "left to right": "从左到右",
    "momentum {m}": "动量 {m}",
    "{name}: {part} ignored: write field:value with a field among {fields}": (
        "{name}：已忽略 {part}：请写成 字段:值，字段可选：{fields}"
    ),
    "{name}: {error} — using {value}": "{name}：{error} —— 改用 {value}",
    "{lo} to {hi} configurations": "{lo} 到 {hi} 个配置",
    "the same in every entry of a race (entry 1 has {first})": "比赛中每个条目都必须相同（条目 1 为 {first}）",
    "the same series in every entry of a race": "比赛中每个条目都必须使用同一条序列",
    "The worker that trained this race stopped ({error}): this is a new race.": (
        "训练这场比赛的工作进程已停止（{error}）：这是一场新的比赛。"
    ),
}
