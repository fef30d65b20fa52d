"""中文 for the run configuration (rnnplay/config.py): each field's help, what a field may hold, and the
messages for a bad value or a bad share link. Field names, codes and numbers stay as they are."""

ZH = {
    # a bad value: the field, the value and what is allowed
    "{name}={value} is not allowed: {allowed}": "{name}={value} 不允许：{allowed}",
    "one of {choices}": "可选值：{choices}",
    "in {range}": "取值范围 {range}",
    "up to {n} numbers": "最多 {n} 个数",
    "up to {n} finite numbers": "最多 {n} 个有限数值",
    "true or false": "true 或 false",
    "text": "文本",
    "an integer": "整数",
    "a number": "数值",
    "an integer in {range}": "{range} 范围内的整数",
    "a finite number in {range}": "{range} 范围内的有限数值",
    "a sequence of numbers": "一列数值",
    "a field of RunConfig ({fields})": "RunConfig 的字段之一（{fields}）",
    "1 to {n} characters": "1 到 {n} 个字符",
    "at most {n} different characters (this text has {found})": "最多 {n} 种不同的字符（这段文本有 {found} 种）",
    "only false for task {task}: {reason}": "任务 {task} 只能为 false：{reason}",
    # share-link warnings
    "{error} — using task=majority": "{error} —— 改用 task=majority",
    "unknown parameter {name} ignored": "未知参数 {name}，已忽略",
    "{error} — using the default {value}": "{error} —— 改用默认值 {value}",
    # each field's help
    "what to learn (see `python -m rnnplay tasks`)": "要学习的任务（见 `python -m rnnplay tasks`）",
    "recurrent cell: vanilla RNN, LSTM or GRU": "循环单元：普通 RNN、LSTM 或 GRU",
    "torch = fused nn.RNN/LSTM/GRU; scratch = the cell equations written out": (
        "torch = PyTorch 融合实现的 nn.RNN/LSTM/GRU；scratch = 逐条写出的单元公式"
    ),
    "units in each recurrent layer": "每个循环层的隐藏单元数",
    "stacked recurrent layers": "堆叠的循环层数",
    "also read the sequence backwards (where the task allows it)": "同时反向读取序列（任务允许时）",
    "activation of the vanilla RNN cell (linear: none, hₜ = W_hh·hₜ₋₁ + W_ih·xₜ + b, run as the written-out cell)": (
        "普通 RNN 单元的激活函数（linear：不用激活函数，hₜ = W_hh·hₜ₋₁ + W_ih·xₜ + b，用手写的单元运行）"
    ),
    "dropout between stacked layers (needs num_layers > 1)": "堆叠层之间的 dropout（需要 num_layers > 1）",
    "size of the learned token embeddings (token tasks)": "学习到的词元嵌入维度（词元类任务）",
    "learning rate": "学习率",
    "learning-rate schedule: none, or step (× lr_gamma every lr_step steps)": (
        "学习率调度：none（不调整），或 step（每 lr_step 步乘以 lr_gamma）"
    ),
    "step schedule: steps between two decays": "阶梯调度：两次衰减之间的步数",
    "step schedule: factor applied at each decay": "阶梯调度：每次衰减乘以的系数",
    "step schedule: lr_step counts training steps, or epochs (passes over the task's finite data, as the "
    "course steps StepLR once per epoch)": (
        "阶梯调度：lr_step 按训练步数计，或按轮（epoch，遍历一次任务的有限数据；课程中每轮调用一次 StepLR）计"
    ),
    "optimizer (SGD uses momentum)": "优化器（SGD 带动量）",
    "momentum of SGD and RMSprop": "SGD 和 RMSprop 的动量",
    "gradient clipping: off, by total norm, or by value": "梯度裁剪：off（关闭）、norm（按总范数）或 value（按数值）",
    "clipping threshold (max norm, or max |value|)": "裁剪阈值（最大范数，或最大 |数值|）",
    "sequences per training step": "每个训练步的序列数",
    "training steps (one batch each)": "训练步数（每步一个批次）",
    "time steps per sequence (T)": "每个序列的时间步数（T）",
    "weight initialisation of the recurrent layers": "循环层的权重初始化方式",
    "gain applied by the initialisation": "初始化的增益系数",
    "L2 weight decay": "L2 权重衰减",
    "random seed for data and weights": "数据和权重的随机种子",
    "where to train: auto times a few steps on the GPU and the CPU and takes the faster (the CPU if there is no GPU)": (
        "在哪里训练：auto 在 GPU 和 CPU 上各计时几步，选更快的那个（没有 GPU 时用 CPU）"
    ),
    "charlm: the text field, or a built-in public-domain text (English sonnets, Chinese Tang poems)": (
        "charlm：使用文本框里的文字，或内置的公版文本（英文十四行诗、中文唐诗）"
    ),
    "charlm: the text to learn (1–{n} characters)": "charlm：要学习的文本（1–{n} 个字符）",
    "charlm: sampling temperature (low = safe, high = adventurous)": "charlm：采样温度（低 = 稳妥，高 = 大胆）",
    "sentiment: English or Chinese sentences": "sentiment：英文句子或中文句子",
    "random: numbers per time step of each noise sequence (the course's example has 5)": (
        "random：每条噪声序列在每个时间步的输入维度（课程的例子是 5）"
    ),
    "charlm: read the text in order and carry the hidden state from one batch to the next, "
    "detached (hidden.detach(): truncated backpropagation through time)": (
        "charlm：按顺序读取文本，并把隐藏状态从一个批次传到下一个批次，同时截断梯度"
        "（hidden.detach()：截断的随时间反向传播）"
    ),
    "LSTM: the forget gate's bias starts at this value in every layer (b_if, with b_hf at 0), "
    "e.g. 1 to remember by default; 0 leaves the initialisation's biases": (
        "LSTM：每一层遗忘门的偏置初始化为这个值（b_if，b_hf 为 0），例如设为 1，默认就记住细胞状态；"
        "0 表示保留初始化得到的偏置"
    ),
    "sentiment: the output the classifier reads after pad_packed_sequence: last_valid = each "
    "sentence's own last word, last_padded = out[:, -1], the zeros of the padding for every "
    "sentence shorter than the batch's longest (the trap)": (
        "sentiment：pad_packed_sequence 之后分类器读取哪个输出：last_valid = 每个句子自己的最后一个词，"
        "last_padded = out[:, -1]，对比批中最长句子短的每个句子，读到的都是填充位置的零（陷阱）"
    ),
    "random: how many random sequences (with random labels) to memorise": (
        "random：要记住多少条随机序列（标签也是随机的）"
    ),
    "reverse: probability of feeding the decoder the true previous token instead of its own guess": (
        "reverse：给解码器输入真实的上一个词元、而不是它自己猜测的词元的概率"
    ),
    "copy: blank steps between the symbols and the signal to recall them": "copy：符号与回忆信号之间的空白步数",
    "sine: standard deviation of the noise added to the series": "sine：加到序列上的噪声的标准差",
    "sine: your own series (up to {n} numbers; from a CSV file, --csv on the command line); "
    "empty = the built-in noisy sines": (
        "sine：你自己的序列（最多 {n} 个数；来自 CSV 文件，命令行用 --csv）；留空 = 内置的带噪正弦波"
    ),
}
