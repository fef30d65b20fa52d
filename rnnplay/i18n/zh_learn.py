"""中文 for the Learn page (app_pages/learn.py, app_pages/learn_text.py)."""

ZH = {
    "Learn": "学习",
    (
        "The ideas behind the Playground, each next to something you can run: the cell equations beside **the "
        "very code that trains your model**, the four ways a sequence model reads and writes, packed batches, "
        "gradient clipping, and why gradients vanish or explode."
    ): (
        "训练场背后的思想，每一条都配有可以运行的内容：单元的公式旁边就是**真正训练你的模型的代码**，序列模型读"
        "写序列的四种方式，打包的批次，梯度裁剪，以及梯度为什么会消失或爆炸。"
    ),
    "1 · The cells: equations beside the code that runs": "1 · 单元：公式与运行的代码并排",
    (
        "PyTorch's conventions: the same weight names, shapes and gate order as `nn.RNN`, `nn.LSTM` and "
        "`nn.GRU`. On the right is the source of the function in `rnnplay/cells.py`, read from the file while "
        "this page renders — not a copy."
    ): (
        "遵循 PyTorch 的约定：权重名称、形状和门的顺序都与 `nn.RNN`、`nn.LSTM` 和 `nn.GRU` 相同。右侧是 "
        "`rnnplay/cells.py` 中该函数的源代码，在渲染本页时从文件中读取——不是副本。"
    ),
    "Equations": "公式",
    "The code that runs": "运行的代码",
    (
        "`rnnplay.cells.rnn_cell` — one time step. The whole sum is one line; `relu` replaces `tanh` with "
        "`nonlinearity=relu`."
    ): "`rnnplay.cells.rnn_cell`——一个时间步。整个求和只有一行；设置 `nonlinearity=relu` 时用 `relu` 代替 `tanh`。",
    (
        "`rnnplay.cells.lstm_cell` — one matrix product gives all four gates stacked (i, f, g, o); `.chunk(4, "
        "dim=1)` splits them."
    ): (
        "`rnnplay.cells.lstm_cell`——一次矩阵乘法得到堆叠在一起的全部四个门（i, f, g, o）；`.chunk(4, dim=1)` 把"
        "它们分开。"
    ),
    (
        "`rnnplay.cells.gru_cell` — the input and hidden products are kept apart, because r multiplies only "
        "the hidden part of n."
    ): "`rnnplay.cells.gru_cell`——输入部分和隐藏部分的乘积分开计算，因为 r 只乘 n 的隐藏部分。",
    "The new state mixes the input and the old state, then squashes into (−1, 1).": (
        "新状态把输入和旧状态混合起来，再压缩到 (−1, 1) 之间。"
    ),
    "**input gate** i: how much of the candidate g to write into the cell.": (
        "**输入门** i：把候选值 g 的多少写入记忆单元。"
    ),
    "**forget gate** f: how much of the old cell c to keep (1 = keep all).": (
        "**遗忘门** f：保留旧记忆单元 c 的多少（1 = 全部保留）。"
    ),
    "**candidate** g: what could be written, in (−1, 1).": "**候选值** g：可能写入的内容，取值在 (−1, 1) 之间。",
    "**output gate** o: how much of the cell to show as the hidden state.": (
        "**输出门** o：把记忆单元的多少作为隐藏状态输出。"
    ),
    "The cell is *added to*, not multiplied by a matrix: the path that keeps memory.": (
        "记忆单元是*累加*更新的，而不是乘以一个矩阵：这条路径保存着记忆。"
    ),
    "The hidden state is a gated view of the cell.": "隐藏状态是记忆单元经过门控后的视图。",
    "**reset gate** r: how much of the old state the candidate may look at.": (
        "**重置门** r：候选状态可以看到旧状态的多少。"
    ),
    "**update gate** z: how much of the old state to keep (1 = keep all).": (
        "**更新门** z：保留旧状态的多少（1 = 全部保留）。"
    ),
    "**new state** n: PyTorch puts r *inside* the bracket, after W_hn h + b_hn.": (
        "**新状态** n：PyTorch 把 r 放在括号*里面*，乘在 W_hn h + b_hn 上。"
    ),
    "Interpolate: z near 1 copies the old state forward unchanged.": "插值：z 接近 1 时，旧状态原样向前传递。",
    "Parameter shapes": "参数形状",
    (
        "I = input size, H = hidden size, G = {g} gates ({names}). The G blocks are stacked in this order "
        "along the first axis."
    ): "I = 输入大小，H = 隐藏大小，G = {g} 个门（{names}）。这 G 个块按此顺序沿第一维堆叠。",
    (
        "| parameter | shape |\n| --- | --- |\n| `weight_ih` | (G·H, I) = ({g}H, I) |\n| `weight_hh` | (G·H, "
        "H) = ({g}H, H) |\n| `bias_ih` | (G·H,) = ({g}H,) |\n| `bias_hh` | (G·H,) = ({g}H,) |"
    ): (
        "| 参数 | 形状 |\n| --- | --- |\n| `weight_ih` | (G·H, I) = ({g}H, I) |\n| `weight_hh` | (G·H, H) = "
        "({g}H, H) |\n| `bias_ih` | (G·H,) = ({g}H,) |\n| `bias_hh` | (G·H,) = ({g}H,) |"
    ),
    "one block": "一个块",
    (
        "With **impl = scratch** the Playground runs exactly these functions, step by step. Given the same "
        "weights they equal the fused `nn.RNN`, `nn.LSTM` and `nn.GRU` to 1e-4 — outputs and training curves — "
        "and the test suite checks it (`tests/test_cells.py`)."
    ): (
        "选择 **impl = scratch** 时，训练场逐步运行的正是这些函数。在相同的权重下，它们与融合实现的 `nn.RNN`、"
        "`nn.LSTM` 和 `nn.GRU` 在 1e-4 以内一致——输出和训练曲线都是如此——测试套件会检查这一点（"
        "`tests/test_cells.py`）。"
    ),
    "Train an LSTM built from this code": "训练一个用这段代码搭建的 LSTM",
    "2 · Four ways to read and write a sequence": "2 · 读写序列的四种方式",
    (
        "The same recurrent core, wired to its inputs and outputs in different ways. Each box below is a task "
        "you can train."
    ): "同一个循环核心，以不同方式连接输入和输出。下面每个框都是一个可以训练的任务。",
    "Many-to-one": "多对一",
    (
        "Read the whole sequence, answer once from the **last** hidden state: classification or regression of "
        "a sequence."
    ): "读完整个序列，根据**最后一个**隐藏状态给出一个回答：对序列做分类或回归。",
    "Many-to-many": "多对多",
    "An answer at **every** step from that step's hidden state: language models, tagging.": (
        "**每个**时间步都根据该步的隐藏状态给出一个回答：语言模型、序列标注。"
    ),
    "One-to-many": "一对多",
    "One input at the first step (a class), then the network **generates** a sequence from its own state.": (
        "只在第一步给一个输入（一个类别），然后网络根据自己的状态**生成**一个序列。"
    ),
    "Sequence-to-sequence (encoder-decoder)": "序列到序列（编码器-解码器）",
    (
        "An **encoder** reads the input into its final state; a **decoder** starts from that state and writes "
        "an output of its own length, feeding back its previous token."
    ): (
        "**编码器**把输入读进它的最终状态；**解码器**从这个状态出发，写出一个自己决定长度的输出，并把上一个输出"
        "的词元作为下一步的输入。"
    ),
    "Bidirectional": "双向",
    (
        "A second RNN (h←, purple) reads the sequence backwards; each step's output sees the past **and** the "
        "future. Only where the task allows it: a character model must not read the next character."
    ): (
        "第二个 RNN（h←，紫色）从后往前读序列；每一步的输出既能看到过去，**也**能看到未来。只在任务允许时使用："
        "字符模型不能偷看下一个字符。"
    ),
    "Stacked layers": "堆叠多层",
    (
        "The hidden states of one layer are the inputs of the next (num_layers = 1–4), with optional dropout "
        "between layers."
    ): "一层的隐藏状态就是下一层的输入（num_layers = 1–4），层与层之间可以加 dropout。",
    "majority — are there more ones than zeros?": "majority——1 是否比 0 多？",
    "sentiment — is a short sentence positive?": "sentiment——一个短句是正面的吗？",
    "sine — forecast the next value of a noisy series": "sine——预测带噪声序列的下一个值",
    "adding — add the two marked numbers of a long sequence": "adding——把长序列中两个被标记的数相加",
    "random — random labels: memorising, not learning": "random——随机标签：是死记硬背，不是学习",
    "charlm — predict the next character (hello → elloh)": "charlm——预测下一个字符（hello → elloh）",
    "tagging — a tag per word": "tagging——给每个词打一个标签",
    "copy — recall symbols after a long delay": "copy——在长时间延迟之后回忆出符号",
    "wave — draw a waveform from its class": "wave——根据类别画出一条波形",
    "reverse — write a digit string backwards": "reverse——把一串数字倒着写出来",
    "tagging with a bidirectional LSTM": "用双向 LSTM 做 tagging",
    "charlm with two stacked LSTM layers": "用两层堆叠的 LSTM 做 charlm",
    "3 · Packed sequences: sentences of different lengths in one batch": "3 · 打包序列：不同长度的句子放在一个批次里",
    (
        "A batch is one tensor, so shorter sentences are padded at the end. Fed as is, the RNN would keep "
        "stepping through the padding and its last state would be the state *after the padding*. "
        "`pack_padded_sequence` tells the RNN each sentence's length: every sentence stops at its own last "
        "word, padding is never read, and the result is exactly what each sentence gives alone. rnnplay packs "
        "every batch that carries `lengths` (sentiment, reverse)."
    ): (
        "一个批次是一个张量，所以较短的句子要在末尾填充。如果直接输入，RNN 会继续在填充上一步步运行，它的最后状"
        "态就成了*填充之后*的状态。`pack_padded_sequence` 告诉 RNN 每个句子的长度：每个句子都停在它自己的最后一"
        "个词，填充永远不会被读取，结果与每个句子单独运行时完全相同。rnnplay 会打包每个带有 `lengths` 的批次（"
        "sentiment、reverse）。"
    ),
    "This function ran while the page rendered:": "渲染本页时运行的就是这个函数：",
    "packed batch vs. each sentence alone": "打包的批次 vs. 每个句子单独运行",
    "padded, not packed, vs. alone": "只填充、不打包 vs. 单独运行",
    (
        "max |difference| of the last hidden states, sentences of lengths {lengths}; the padding was filled "
        "with {pad:g} to show it is never read when packed."
    ): "最后隐藏状态的最大 |差值|，句子长度为 {lengths}；填充值设为 {pad:g}，以表明打包时它从不被读取。",
    "4 · Gradient clipping": "4 · 梯度裁剪",
    (
        "One exploding step can throw the weights far away. Clipping caps the gradient before the optimizer "
        "step; the threshold is `clip`."
    ): "一次爆炸的更新就可能把权重甩得很远。裁剪在优化器更新之前给梯度设一个上限；阈值就是 `clip`。",
    (
        "**By norm** (`clip_mode=norm`, `torch.nn.utils.clip_grad_norm_`): the whole gradient, all parameters "
        "together, is shrunk when its length exceeds c. Its **direction is kept**."
    ): (
        "**按范数**（`clip_mode=norm`，`torch.nn.utils.clip_grad_norm_`）：把所有参数的梯度作为一个整体，当它的"
        "长度超过 c 时整体缩小。它的**方向保持不变**。"
    ),
    (
        "**By value** (`clip_mode=value`, `torch.nn.utils.clip_grad_value_`): each component is cut to [−c, c] "
        "on its own. Cheap, but it **changes the direction**."
    ): (
        "**按值**（`clip_mode=value`，`torch.nn.utils.clip_grad_value_`）：每个分量各自截断到 [−c, c]。计算便宜"
        "，但会**改变方向**。"
    ),
    "A two-component gradient g = ({g0:g}, {g1:g}), clipped by torch's own functions:": (
        "一个两分量的梯度 g = ({g0:g}, {g1:g})，用 torch 自己的函数裁剪："
    ),
    "threshold c": "阈值 c",
    "Clipping g = ({g0:g}, {g1:g}) with c = {c:g}": "裁剪 g = ({g0:g}, {g1:g})，c = {c:g}",
    "by norm": "按范数",
    "by value": "按值",
    "In the Playground the **Gradient norm** chart shows ‖g‖ before and after clipping, with the threshold.": (
        "在训练场中，**梯度范数**图显示裁剪前后的 ‖g‖ 以及阈值。"
    ),
    "5 · Why gradients vanish or explode": "5 · 梯度为什么会消失或爆炸",
    (
        "The loss at the last step reaches an early hidden state only through every step in between: one "
        "Jacobian per step, multiplied together."
    ): "最后一步的损失要传到较早的隐藏状态，必须经过中间的每一步：每一步一个雅可比矩阵，全部相乘。",
    (
        "Each factor scales the gradient by roughly the spectral radius ρ of W_hh (its largest |eigenvalue|), "
        "times f′ ≤ 1 for tanh. After T − t steps: ρ below 1 → the gradient **vanishes** exponentially; ρ "
        "above 1 → it can **explode**."
    ): (
        "每个因子大约把梯度缩放 W_hh 的谱半径 ρ 倍（即其最大的 |特征值|），对 tanh 还要再乘以 f′ ≤ 1。经过 T − "
        "t 步后：ρ 小于 1 → 梯度按指数**消失**；ρ 大于 1 → 梯度可能**爆炸**。"
    ),
    "spectral radius ρ of W_hh": "W_hh 的谱半径 ρ",
    "sequence length T": "序列长度 T",
    "Gradient reaching step t from step T = {T} (ρ = {rho:g})": "从第 T = {T} 步传到第 t 步的梯度（ρ = {rho:g}）",
    "time step t": "时间步 t",
    "norm (log scale)": "范数（对数刻度）",
    "linear RNN: ‖W_hh^(T−t)‖": "线性 RNN：‖W_hh^(T−t)‖",
    "tanh RNN: ‖J_T ⋯ J_(t+1)‖": "带 tanh 的 RNN：‖J_T ⋯ J_(t+1)‖",
    (
        "The solid lines are computed with torch: a random {H}×{H} W_hh scaled to spectral radius ρ, a tanh "
        "RNN run on a small random input, and the product of its Jacobians J_k = diag(1 − h_k²) W_hh, its "
        "largest singular value per step ({ms:.1f} ms)."
    ): (
        "实线由 torch 计算：一个随机的 {H}×{H} W_hh 被缩放到谱半径 ρ，一个 tanh RNN 在较小的随机输入上运行，再"
        "求其雅可比矩阵 J_k = diag(1 − h_k²) W_hh 的乘积，每一步取其最大奇异值（{ms:.1f} ms）。"
    ),
    (
        "**How to read it.** Without tanh (blue) the product follows ρ^(T−t): below 1 it vanishes, above 1 it "
        "explodes. With tanh (red) every f′ = 1 − h² < 1 pulls the curve further down. Push ρ above 1: the "
        "state grows until units saturate (h near ±1, f′ near 0) and the gradient *still* fades. That is why "
        "vanishing is the everyday failure of a tanh RNN, while explosions come as sudden spikes when training "
        "pushes W_hh across such a boundary (Pascanu et al., 2013) — and why ReLU RNNs, with f′ = 1, explode "
        "more readily."
    ): (
        "**怎么看这张图。** 没有 tanh 时（蓝线），乘积沿着 ρ^(T−t) 变化：小于 1 时消失，大于 1 时爆炸。有 tanh "
        "时（红线），每个 f′ = 1 − h² < 1 都会把曲线进一步往下拉。把 ρ 调到大于 1：状态会不断增大，直到单元饱和"
        "（h 接近 ±1，f′ 接近 0），梯度*仍然*会衰减。这就是为什么梯度消失是 tanh RNN 的日常问题，而梯度爆炸则是"
        "训练把 W_hh 推过这样一个边界时突然出现的尖峰（Pascanu 等，2013）——这也是为什么 f′ = 1 的 ReLU RNN 更容"
        "易爆炸。"
    ),
    "The computation behind the chart": "图表背后的计算",
    "Why the LSTM remembers": "LSTM 为什么能记住",
    (
        "The cell state is updated by **addition**. Along the path cₜ₋₁ → cₜ the Jacobian is just diag(fₜ): no "
        "W_hh, no tanh′. With the forget gate near 1 the gradient passes through many steps almost unchanged. "
        "The GRU's z ⊙ h term does the same."
    ): (
        "记忆单元状态通过**加法**更新。沿着路径 cₜ₋₁ → cₜ，雅可比矩阵就是 diag(fₜ)：没有 W_hh，也没有 tanh′。遗"
        "忘门接近 1 时，梯度几乎不变地穿过许多时间步。GRU 的 z ⊙ h 项起着同样的作用。"
    ),
    (
        "In the Playground, the **Gradient through time** chart draws the real ‖∂L/∂hₜ‖ of your model while it trains."
    ): "在训练场中，**随时间的梯度**图会在模型训练时画出它真实的 ‖∂L/∂hₜ‖。",
    "See it vanish: an RNN on the adding problem, T = 50": "看它消失：RNN 做 adding 问题，T = 50",
    "…and an LSTM on the same task": "……以及同一任务上的 LSTM",
}
