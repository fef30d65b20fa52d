"""中文 for the Playground page (app_pages/playground.py), the sidebar's labels and sections
(app_pages/ui/fields.py, controls.py) and the training thread's messages (rnnplay/run/,
rnnplay/trainer.py). The buttons the Gradient lab shares with the Playground (Train, Pause, ...; the bar
of app_pages/ui/run_bar.py) are here too."""

ZH = {
    # the sidebar: sections, labels, what a choice code means
    "Task": "任务",
    "Model": "模型",
    "Training": "训练",
    "More": "更多",
    "Architecture": "网络结构",
    "Implementation": "实现方式",
    "Hidden size": "隐藏层大小",
    "Layers": "层数",
    "Bidirectional": "双向",
    "Activation": "激活函数",
    "Dropout between layers": "层间 Dropout",
    "Learning rate": "学习率",
    "Optimizer": "优化器",
    "Momentum": "动量",
    "Gradient clipping": "梯度裁剪",
    "Clip threshold": "裁剪阈值",
    "Batch size": "批大小",
    "Training steps": "训练步数",
    "Sequence length T": "序列长度 T",
    "Initialisation": "初始化",
    "Init gain": "初始化增益",
    "Weight decay": "权重衰减",
    "Seed": "随机种子",
    "Device": "设备",
    "Text to learn": "要学习的文本",
    "Noise": "噪声",
    "Embedding size": "嵌入维度",
    "LR schedule": "学习率调度",
    "Decay every (steps)": "衰减间隔（步）",
    "Decay counted in": "衰减间隔的单位",
    "Decay factor": "衰减系数",
    "Text": "文本",
    "Sampling temperature": "采样温度",
    "Sentences": "句子",
    "Sequences to memorise": "要记住的序列数",
    "Numbers per time step": "每个时间步的输入维度",
    "Classifier reads": "分类器读取",
    "Forget-gate bias": "遗忘门偏置",
    "Carry the hidden state across batches": "跨批次传递隐藏状态",
    "each sentence's last word (correct)": "每个句子自己的最后一个词（正确）",
    "out[:, -1]: the padding (the trap)": "out[:, -1]：填充位置（陷阱）",
    "Teacher forcing ratio": "教师强制比例",
    "Delay (blank steps)": "延迟（空白步数）",
    "my own text": "我自己的文本",
    "Shakespeare's sonnets (English)": "莎士比亚十四行诗（英文）",
    "Tang poems (中文)": "唐诗（中文）",
    "English": "英文",
    "中文 Chinese": "中文",
    "{error} — using the task's defaults": "{error} —— 改用该任务的默认设置",
    "Your own series (CSV, one numeric column)": "你自己的序列（CSV 文件，一列数值）",
    "Up to {mb} MB; a header row is fine. Without a file: the built-in noisy sines.": (
        "最大 {mb} MB；可以有表头行。不上传文件时使用内置的带噪正弦波。"
    ),
    "CSV file {name}: {error} — using the built-in sines": "CSV 文件 {name}：{error} —— 改用内置的正弦波",
    "Using {n} values from {name}.": "正在使用 {name} 中的 {n} 个数值。",
    "Using {n} values of a series this link names.": "正在使用此链接所指序列中的 {n} 个数值。",
    "series_ref={ref}: this server no longer has the series this link names (an uploaded series is kept on "
    "the server, not in the link, and the oldest are let go) — using the built-in sines; upload the file again": (
        "series_ref={ref}：服务器上已没有此链接所指的序列（上传的序列保存在服务器上而不在链接里，最早的会被清除）"
        "—— 使用内置的正弦序列；请重新上传文件"
    ),
    # the page
    "Pick a task and a model in the sidebar, press **Train**, and watch it learn. Every setting is in "
    "the page's URL: copy it to share exactly this configuration.": (
        "在侧边栏选好任务和模型，按 **训练**，看它如何学习。所有设置都写在页面的网址里："
        "复制网址就能分享完全相同的配置。"
    ),
    "Share link: {problem}": "分享链接：{problem}",
    "ready": "就绪",
    "training…": "训练中…",
    "paused": "已暂停",
    "finished": "已完成",
    "stopped": "已停止",
    "diverged": "已发散",
    "error": "出错",
    "Train": "训练",
    "Resume": "继续",
    "Train anew": "重新训练",
    "Pause": "暂停",
    "Stop": "停止",
    "Step one batch": "单步训练一批",
    "Reset": "重置",
    "Chart options": "图表选项",
    "Metric": "指标",
    "Gradient norm": "梯度范数",
    "Spectral radius": "谱半径",
    "Task view": "任务视图",
    "Changed since this run started: **{fields}**.": "本次训练开始后改动过的设置：**{fields}**。",
    "Apply now to the running model, or Reset to start over.": "可以立即应用到正在训练的模型，或按「重置」从头开始。",
    "Press **Reset** (or **Train anew**) to train with them.": "按 **重置**（或 **重新训练**）用新设置训练。",
    "Apply to the running model": "应用到正在训练的模型",
    "step {done} / {total} · {rate} steps/s · {state}": "第 {done} / {total} 步 · 每秒 {rate} 步 · {state}",
    "step {done} / {total} · epoch {epoch:.1f} · {rate} steps/s · {state}": (
        "第 {done} / {total} 步 · 第 {epoch:.1f} 轮 · 每秒 {rate} 步 · {state}"
    ),
    "Training stopped: {message}": "训练已停止：{message}",
    "Training failed: {message}": "训练失败：{message}",
    "Log-scale loss": "对数坐标显示损失",
    "Activations to show": "要显示的激活值",
    "hidden": "隐藏状态",
    "input": "输入",
    "forget": "遗忘门",
    "cell": "候选状态",
    "output": "输出门",
    "cell state": "细胞状态",
    "reset": "重置门",
    "update": "更新门",
    "new": "候选状态",
    "target": "目标",
    "predicted": "预测",
    "**Next-character prediction**": "**下一个字符的预测**",
    "**Sampled text** (temperature {temperature})": "**采样生成的文本**（温度 {temperature}）",
    ", primed with “{prime}”": "，以“{prime}”开头",
    "**Try it** on the model as it is now (it keeps training meanwhile)": "用当前的模型 **试一试**（模型同时继续训练）",
    "Class": "类别",
    "Press Enter to run the model on it.": "按回车键让模型处理这段输入。",
    "An untrained model answers at random: press Train first, then try again.": (
        "未训练的模型只会随机作答：先按「训练」，再来试试。"
    ),
    "How to read these charts": "如何读懂这些图表",
    "- **Loss / metric**: training (blue, averaged per bucket of steps) and validation (orange); the dashed "
    "line is chance — what a model that ignores the sequence would get.\n"
    "- **Gradient norm**: the size of the whole gradient at each step, before and after clipping. Spikes are "
    "*exploding* gradients; clipping caps them at the red threshold.\n"
    "- **Gradient through time** ‖∂L/∂hₜ‖: how much the loss still feels the hidden state at step t, "
    "through every later step (log scale). A curve that falls steeply to the left means the gradient "
    "*vanished*: early inputs cannot be learned. h₁/h_T is the ratio of the two ends.\n"
    "- **Heatmap over training**: the same curve at every probe, one row per training step.\n"
    "- **Hidden activations**: each unit (row) at each time step (column) for one sample, its input on the "
    "axis; for LSTM/GRU pick a gate in **Chart options**. Units stuck at ±1 are *saturated* and pass almost no "
    "gradient.\n"
    "- **Spectral radius** of W_hh: above 1 the recurrence can amplify, below 1 it shrinks signals.": (
        "- **损失 / 指标**：训练集（蓝色，按若干步分桶取平均）和验证集（橙色）；虚线是随机水平——"
        "一个无视序列内容的模型能得到的结果。\n"
        "- **梯度范数**：每一步整个梯度的大小，分别显示裁剪前和裁剪后。尖峰就是 *梯度爆炸*；"
        "梯度裁剪把它限制在红色阈值处。\n"
        "- **沿时间回传的梯度** ‖∂L/∂hₜ‖：经过其后的每一个时间步，损失对第 t 步隐藏状态还有多敏感"
        "（对数坐标）。曲线向左急剧下降，说明梯度 *消失* 了：早期的输入学不到。"
        "h₁/h_T 是两端的比值。\n"
        "- **训练过程热力图**：每次探测得到的同一条曲线，每个训练步一行。\n"
        "- **隐藏层激活值**：一个样本中每个单元（行）在每个时间步（列）的值，坐标轴上标着输入；"
        "LSTM/GRU 可在 **图表选项** 中选择要看的门。停在 ±1 的单元已经 *饱和*，几乎传不回梯度。\n"
        "- W_hh 的 **谱半径**：大于 1 时循环会放大信号，小于 1 时会使信号衰减。"
    ),
    # export / import
    "Export / import": "导出 / 导入",
    "Take the run home: its numbers, its settings, its weights, or a plain PyTorch script.": (
        "把这次训练带回家：它的数据、设置、权重，或一个纯 PyTorch 脚本。"
    ),
    "Metrics (CSV)": "指标（CSV）",
    "Settings (JSON)": "设置（JSON）",
    "Weights (safetensors)": "权重（safetensors）",
    "Weights (safetensors) into this run": "把权重（safetensors）载入本次训练",
    "PyTorch script": "PyTorch 脚本",
    "Runs without rnnplay; same seed, same losses as this run (tested to 1e-5).": (
        "不依赖 rnnplay 即可运行；随机种子相同，损失与本次训练一致（已测试，误差在 1e-5 以内）。"
    ),
    "A plain PyTorch script is exported for {tasks}.": "纯 PyTorch 脚本仅支持以下任务：{tasks}。",
    "**Import**": "**导入**",
    "Open these settings ({task}, {arch})": "打开这些设置（{task}，{arch}）",
    "Loaded {name}: press Train to continue from these weights.": "已载入 {name}：按「训练」从这些权重继续训练。",
    # the training thread's messages
    "finished {n} steps": "已完成 {n} 步",
    "step {step}: {hint}": "第 {step} 步：{hint}",
    "the loss or the gradient became NaN/Inf: lower the learning rate, turn on "
    "gradient clipping (clip_mode=norm), or use an LSTM/GRU": (
        "损失或梯度变成了 NaN/Inf：请降低学习率、打开梯度裁剪（clip_mode=norm），或改用 LSTM/GRU"
    ),
    # the device auto chose and why (rnnplay/devices.py), under the sidebar's settings
    "CPU: this machine has no GPU": "CPU：这台机器没有 GPU",
    "CPU: {ratio:.1f}× faster than the {gpu} for a model this small "
    "({cpu_rate} against {gpu_rate} steps/s, measured)": (
        "CPU：对这么小的模型，比 {gpu} 快 {ratio:.1f} 倍（实测每秒 {cpu_rate} 步对 {gpu_rate} 步）"
    ),
    "{gpu}: {gpu_rate} steps/s measured; one CPU thread would take about {cpu_s:.1f} s a step (estimated)": (
        "{gpu}：实测每秒 {gpu_rate} 步；单个 CPU 线程每步约需 {cpu_s:.1f} 秒（估计）"
    ),
    "{gpu}: {ratio:.1f}× faster than the CPU for a model this size ({gpu_rate} against {cpu_rate} steps/s, measured)": (
        "{gpu}：对这种规模的模型，比 CPU 快 {ratio:.1f} 倍（实测每秒 {gpu_rate} 步对 {cpu_rate} 步）"
    ),
    "{gpu}: about as fast as the CPU for this model ({gpu_rate} against {cpu_rate} steps/s, measured), and it leaves "
    "the CPU to the pages": (
        "{gpu}：对这个模型与 CPU 差不多快（实测每秒 {gpu_rate} 步对 {cpu_rate} 步），用它可把 CPU 留给页面"
    ),
    "{gpu}: chosen without measuring ({error})": "{gpu}：未经测量而选用（{error}）",
}
