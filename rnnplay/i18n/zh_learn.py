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
        "`rnnplay.cells.lstm_cell` — two matrix products, summed, give all four gates stacked (i, f, g, o): "
        "`x @ w_ih.T` for the input and `h @ w_hh.T` for the old state, plus both biases; `.chunk(4, dim=1)` "
        "splits them."
    ): (
        "`rnnplay.cells.lstm_cell`——两次矩阵乘法相加，得到堆叠在一起的全部四个门（i, f, g, o）：输入部分是 "
        "`x @ w_ih.T`，旧状态部分是 `h @ w_hh.T`，再加上两个偏置；`.chunk(4, dim=1)` 把它们分开。"
    ),
    (
        "`rnnplay.cells.gru_cell` — the input and hidden products are kept apart, because r multiplies only "
        "the hidden part of n."
    ): "`rnnplay.cells.gru_cell`——输入部分和隐藏部分的乘积分开计算，因为 r 只乘 n 的隐藏部分。",
    "The new state mixes the input and the old state, then squashes into (−1, 1).": (
        "新状态把输入和旧状态混合起来，再压缩到 (−1, 1) 之间。"
    ),
    "**input gate** i: how much of the candidate g to write into the cell.": (
        "**输入门** i：把候选状态 g 的多少写入细胞状态。"
    ),
    "**forget gate** f: how much of the old cell c to keep (1 = keep all).": (
        "**遗忘门** f：保留旧细胞状态 c 的多少（1 = 全部保留）。"
    ),
    "**candidate** g: what could be written, in (−1, 1).": "**候选状态** g：可能写入的内容，取值在 (−1, 1) 之间。",
    "**output gate** o: how much of the cell to show as the hidden state.": (
        "**输出门** o：把细胞状态的多少作为隐藏状态输出。"
    ),
    "The cell is *added to*, not multiplied by a matrix: the path that keeps memory.": (
        "细胞状态是*累加*更新的，而不是乘以一个矩阵：这条路径保存着记忆。"
    ),
    "The hidden state is a gated view of the cell.": "隐藏状态是细胞状态经过门控后的视图。",
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
        "Jacobian per step, multiplied together from the last step back, in the order written below."
    ): (
        "最后一步的损失要传到较早的隐藏状态，必须经过中间的每一步：每一步一个雅可比矩阵，从最后一步往回依次相乘，"
        "顺序就是下面公式中写的顺序。"
    ),
    (
        "One step's factor can stretch the gradient by **at most** σ_max(W_hh) · max f′: the largest "
        "singular value of W_hh times the steepest slope of f (f′ ≤ 1 for tanh). Over many steps the "
        "**spectral radius** ρ of W_hh (its largest |eigenvalue|, never above σ_max) sets the rate: the "
        "norm of W_hh multiplied n times grows or shrinks like ρⁿ. After T − t steps: ρ below 1 → the "
        "gradient **vanishes** exponentially; ρ above 1 → it can **explode**."
    ): (
        "一步的因子最多把梯度放大 σ_max(W_hh) · max f′ 倍：W_hh 的最大奇异值乘以 f 的最大斜率（tanh 的 "
        "f′ ≤ 1）。经过很多步后，决定速率的是 W_hh 的**谱半径** ρ（其最大的 |特征值|，不会超过 σ_max）："
        "W_hh 自乘 n 次后的范数像 ρⁿ 一样增长或缩小。经过 T − t 步后：ρ 小于 1 → 梯度按指数**消失**；ρ 大于 "
        "1 → 梯度可能**爆炸**。"
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
        "**How to read it.** Without tanh (blue) the product follows ρ^(T−t) over many steps: below 1 it "
        "vanishes, above 1 it explodes. With tanh (red) every f′ = 1 − h² ≤ 1 pulls the curve further down. "
        "Push ρ above 1: the state grows until units saturate (h near ±1, f′ near 0) and the gradient "
        "*still* fades. That is why vanishing is the everyday failure of a tanh RNN, while explosions come "
        "as sudden spikes when training pushes W_hh across such a boundary (Pascanu et al., 2013) — and why "
        "ReLU RNNs explode more readily: ReLU's f′ is 0 or 1, exactly 1 on every active unit, so nothing "
        "pulls the product down along the units that stay on."
    ): (
        "**怎么看这张图。** 没有 tanh 时（蓝线），经过很多步后乘积沿着 ρ^(T−t) 变化：小于 1 时消失，大于 1 时"
        "爆炸。有 tanh 时（红线），每个 f′ = 1 − h² ≤ 1 都会把曲线进一步往下拉。把 ρ 调到大于 1：状态会不断增大，"
        "直到单元饱和（h 接近 ±1，f′ 接近 0），梯度*仍然*会衰减。这就是为什么梯度消失是 tanh RNN 的日常问题，而"
        "梯度爆炸则是训练把 W_hh 推过这样一个边界时突然出现的尖峰（Pascanu 等，2013）——这也是为什么 ReLU RNN "
        "更容易爆炸：ReLU 的 f′ 只取 0 或 1，在每个激活的单元上恰好是 1，所以沿着一直激活的单元，没有什么会把乘积"
        "往下拉。"
    ),
    "The computation behind the chart": "图表背后的计算",
    "Why the LSTM remembers": "LSTM 为什么能记住",
    (
        "The cell state is updated by **addition**. Along the path cₜ₋₁ → cₜ the Jacobian is just diag(fₜ): no "
        "W_hh, no tanh′. With the forget gate near 1 the gradient passes through many steps almost unchanged. "
        "The GRU's z ⊙ h term does the same."
    ): (
        "细胞状态通过**加法**更新。沿着路径 cₜ₋₁ → cₜ，雅可比矩阵就是 diag(fₜ)：没有 W_hh，也没有 tanh′。遗"
        "忘门接近 1 时，梯度几乎不变地穿过许多时间步。GRU 的 z ⊙ h 项起着同样的作用。"
    ),
    (
        "In the Playground, the **Gradient through time** chart draws the real ‖∂L/∂hₜ‖ of your model while it trains."
    ): "在训练场中，**随时间的梯度**图会在模型训练时画出它真实的 ‖∂L/∂hₜ‖。",
    "See it vanish: an RNN on the adding problem, T = 50": "看它消失：RNN 做 adding 问题，T = 50",
    "…and an LSTM on the same task": "……以及同一任务上的 LSTM",
    "The output y_t, and one set of weights for every step": "输出 y_t，以及所有时间步共用的一组权重",
    (
        "The cells above give the hidden state h_t. The **output** is a linear layer on it: W_hy (the "
        "course's V) maps h_t to y_t. In PyTorch it is the `nn.Linear` after the RNN (`self.fc` in the "
        "course, `head` in rnnplay): on every h_t for many-to-many, on the last one for many-to-one."
    ): (
        "上面的单元给出隐藏状态 h_t。**输出**是它上面的一个全连接层：W_hy（课程中的 V）把 h_t "
        "映射为 y_t。在 PyTorch 中它就是 RNN 后面的 `nn.Linear`（课程中的 "
        "`self.fc`，rnnplay 中的 `head`）：多对多时作用于每个 h_t，"
        "多对一时只作用于最后一个。"
    ),
    (
        "**Parameter sharing**: the same W_xh (the course's U, PyTorch's `weight_ih`), W_hh (W, "
        "`weight_hh`) and W_hy (V) serve every time step. The number of parameters does not depend on "
        "the sequence length, and one model reads sequences of any length."
    ): (
        "**参数共享**：同一个 W_xh（课程中的 U，PyTorch 的 `weight_ih`）、"
        "W_hh（W，`weight_hh`）和 W_hy（V）用于每一个时间步。参数数量与序列长度无关，"
        "同一个模型可以读取任意长度的序列。"
    ),
    (
        "Computed now: `nn.RNN({i}, {h})` + `nn.Linear({h}, {o})` has {n} parameters; it reads a "
        "sequence of T = {t1} and one of T = {t2} with those same {n} numbers (outputs of shapes {s1} "
        "and {s2})."
    ): (
        "刚刚计算：`nn.RNN({i}, {h})` + `nn.Linear({h}, {o})` "
        "共有 {n} 个参数；它用这同样的 {n} 个数读取 T = {t1} 的序列和 T = {t2} "
        "的序列（输出形状分别为 {s1} 和 {s2}）。"
    ),
    "Tensor shapes: (seq_len, batch, input_size) and batch_first": (
        "张量形状：(seq_len, batch, input_size) 与 batch_first"
    ),
    (
        "`nn.RNN`, `nn.LSTM` and `nn.GRU` read **(seq_len, batch, input_size)** by default: time first. "
        "With `batch_first=True` they read **(batch, seq_len, input_size)**, the layout of a "
        "DataLoader's batches; rnnplay and the exported script use it. The final state h_n is "
        "**(num_layers × directions, batch, hidden_size)** either way: `batch_first` does not apply to "
        "it."
    ): (
        "`nn.RNN`、`nn.LSTM` 和 `nn.GRU` 默认读取 **(seq_len, "
        "batch, input_size)**：时间维在前。设置 `batch_first=True` "
        "后读取 **(batch, seq_len, input_size)**，即 DataLoader "
        "给出的批次布局；rnnplay 和导出的脚本都用这种布局。最终隐藏状态 h_n 在两种情况下都是 "
        "**(num_layers × 方向数, batch, hidden_size)**："
        "`batch_first` 对它不起作用。"
    ),
    (
        "| | input x | output out | final state h_n |\n| --- | --- | --- | --- |\n| default (time first) "
        "| {x} | {out} | {h_n} |\n| `batch_first=True` | {x_bf} | {out_bf} | {h_n_bf} |"
    ): (
        "| | 输入 x | 输出 out | 最终隐藏状态 h_n |\n| --- | --- | --- "
        "| --- |\n| 默认（时间在前） | {x} | {out} | {h_n} |\n| "
        "`batch_first=True` | {x_bf} | {out_bf} | {h_n_bf} "
        "|"
    ),
    (
        "Computed now with the course's numbers (32 sequences of 10 steps of 8 features) and the same "
        "weights: the two layouts differ by {diff:.1e} after `out.transpose(0, 1)`; the last step "
        "`out[-1]` (time first) equals `h_n[0]` to {last:.1e}. A batch-first tensor fed to a time-first "
        "RNN runs without an error: it reads 32 steps of 10 sequences."
    ): (
        "用课程中的数字（32 条序列，每条 10 步，每步 8 个特征）和相同的权重刚刚计算："
        "`out.transpose(0, 1)` 之后两种布局相差 {diff:.1e}；最后一步 "
        "`out[-1]`（时间在前）与 `h_n[0]` 相差 {last:.1e}。把 batch "
        "在前的张量送进时间在前的 RNN 不会报错：它会把它当成 10 条序列、每条 32 步来读。"
    ),
    "The shapes came from this function:": "这些形状来自这个函数：",
    "How a bidirectional layer lines up its backward outputs": "双向层如何对齐反向的输出",
    (
        "The backward RNN reads x_T, …, x_1. Its outputs come out in that reversed order, so "
        "`bidirectional=True` **flips them back**: `out[:, t, H:]` is the backward state after reading "
        "x_T down to x_t, beside the forward state after x_1 … x_t in `out[:, t, :H]`. A bidirectional "
        "RNN built by hand must do the same before concatenating. Below, nn.RNN(bidirectional=True) "
        "against two one-way nn.RNN holding its weights:"
    ): (
        "反向 RNN 按 x_T, …, x_1 的顺序读取，输出也按这个反过来的顺序产生，所以 "
        "`bidirectional=True` 会**把它们翻转回来**：`out[:, t, H:]` "
        "是从 x_T 读到 x_t 之后的反向隐藏状态，与 `out[:, t, :H]` 中读完 x_1 "
        "… x_t 的前向隐藏状态并排。手写的双向 RNN 在拼接之前也必须这样做。下面把 "
        "nn.RNN(bidirectional=True) 与两个持有相同权重的单向 nn.RNN 对比："
    ),
    (
        "| compared | max difference |\n| --- | --- |\n| `out[..., :H]` vs the forward RNN on x | "
        "{forward:.1e} |\n| `out[..., H:]` vs the backward RNN on `x.flip(1)`, **flipped back** | "
        "{realigned:.1e} |\n| `out[..., H:]` vs the backward RNN on `x.flip(1)`, not flipped back | "
        "{not_realigned:.2f} |\n| `h_n[1]` (backward, whole sequence read) vs `out[:, 0, H:]` | "
        "{h_n_first:.1e} |\n| `h_n[1]` vs `out[:, -1, H:]` (backward, only x_T read) | {h_n_last:.2f} |"
    ): (
        "| 比较 | 最大差值 |\n| --- | --- |\n| `out[..., :H]` 与在 x "
        "上运行的前向 RNN | {forward:.1e} |\n| `out[..., H:]` 与在 "
        "`x.flip(1)` 上运行、**再翻转回来**的反向 RNN | "
        "{realigned:.1e} |\n| `out[..., H:]` 与在 `x.flip(1)` "
        "上运行、没有翻转回来的反向 RNN | {not_realigned:.2f} |\n| "
        "`h_n[1]`（反向，读完整个序列）与 `out[:, 0, H:]` | "
        "{h_n_first:.1e} |\n| `h_n[1]` 与 `out[:, -1, "
        "H:]`（反向，只读了 x_T） | {h_n_last:.2f} |"
    ),
    (
        "So a many-to-one model reads the forward half at the last step and the backward half at the "
        "**first** step (or `h_n`): `out[:, -1]` alone gives a backward state that has seen one input. "
        "rnnplay's readout does this."
    ): (
        "所以多对一模型在最后一步读取前向的一半，在**第一步**（或 `h_n`）读取反向的一半：只用 "
        "`out[:, -1]` 得到的反向隐藏状态只看过一个输入。rnnplay 的读出就是这样做的。"
    ),
    "The comparison ran in this function:": "这个对比在下面的函数中运行：",
    "6 · Common mistakes in course code": "6 · 课程代码中的常见错误",
    (
        "The course material this app is built from has a few errors. Each is here with what is right "
        "and, where it helps, a run that shows it."
    ): ("本应用所依据的课程材料中有几处错误。下面逐条列出正确的做法，有帮助时附上一个能展示它的运行。"),
    (
        "- **`torch.nn.VanillaRNN` does not exist.** PyTorch's vanilla (gate-less) RNN is `nn.RNN`; "
        '`torch.nn.VanillaRNN` raises AttributeError.\n- **"Test accuracy" measured on `train_loader` is '
        "training accuracy.** It says how well the model remembers what it saw, not how it does on new "
        "data: evaluate on data it never trained on. With random labels the two differ the most (the "
        "random task: training accuracy climbs, validation stays at 50%).\n- **`out[:, -1, :]` after "
        "`pad_packed_sequence` reads padding.** For every sequence shorter than the longest, the last "
        "row is zeros; read each sequence's own last step (`lengths - 1`) or h_n.\n- **A hand-made "
        "bidirectional RNN must flip its backward outputs back** before concatenating (section 2); "
        "otherwise step t pairs with step T−1−t.\n- **`hidden.detach()` does not prevent exploding "
        "gradients.** It cuts the graph where a batch begins (truncated backpropagation through time): "
        "the state is carried, the gradient stops there. Without it the next `backward()` would reach "
        "into the previous batch's freed graph and fail.\n- **y_t is the output and W_hy the "
        'hidden-to-output weight**, not "the hidden state at time t" as one text labels both.\n- **A '
        "plain RNN has no gates.** Gates (input, forget, output; reset, update) belong to the LSTM and "
        "the GRU.\n- **The time steps are not computed in parallel.** h_t needs h_(t−1), so the steps "
        "run one after another; only the sequences of a batch run side by side.\n- **`criterion(outputs, "
        "x)` with outputs (32, 5) and x (32, 10, 10)** (a training loop in the course) compares tensors "
        "of different shapes and stops with an error; the target must have the output's shape."
    ): (
        "- **`torch.nn.VanillaRNN` 并不存在。** PyTorch 的普通（无门控）"
        "RNN 就是 `nn.RNN`；`torch.nn.VanillaRNN` 会引发 "
        "AttributeError。\n- **在 `train_loader` "
        "上测得的“测试准确率”其实是训练准确率。** 它说明模型对见过的数据记得多好，"
        "而不是它在新数据上的表现：要在从未训练过的数据上评估。随机标签时两者相差最大（random 任务："
        "训练准确率上升，验证准确率停在 50%）。\n- **`pad_packed_sequence` "
        "之后的 `out[:, -1, :]` 读到的是填充。** 对每个比最长序列短的序列，"
        "最后一行都是零；应读取每个序列自己的最后一步（`lengths - 1`）或 h_n。\n- "
        "**手写的双向 RNN 必须先把反向输出翻转回来**再拼接（第 2 节）；否则第 t 步会与第 "
        "T−1−t 步配对。\n- **`hidden.detach()` 并不能防止梯度爆炸。** "
        "它在一个批次开始的地方切断计算图（截断的随时间反向传播）：隐藏状态被传递下去，梯度在那里停止。没有它，"
        "下一次 `backward()` 会伸进上一个批次已经释放的计算图而报错。\n- **y_t 是输出，"
        "W_hy 是隐藏层到输出的权重**，而不是某篇文字给两者都标注的“当前时刻的隐状态”。\n- "
        "**普通 RNN 没有门。** 门（输入门、遗忘门、输出门；重置门、更新门）属于 LSTM 和 "
        "GRU。\n- **时间步不是并行计算的。** h_t 需要 h_(t−1)，"
        "所以各步一个接一个地运行；只有一个批次中的各条序列是并排计算的。\n- "
        "**`criterion(outputs, x)` 中 outputs 为 (32, 5)、x 为 "
        "(32, 10, 10)**（课程中的一个训练循环）比较的是形状不同的张量，会报错停止；"
        "目标必须与输出形状相同。"
    ),
    "See the out[:, -1] trap: sentiment falls to chance": "看看 out[:, -1] 陷阱：sentiment 跌到随机水平",
    ("Training vs held-out accuracy: the course's 1000 random sequences of 5 numbers"): (
        "训练准确率与留出数据准确率：课程中的 1000 条 5 维随机序列"
    ),
    ("hidden.detach() across batches: hello → elloh with the state carried"): (
        "跨批次的 hidden.detach()：传递隐藏状态学习 hello → elloh"
    ),
    (
        "A common start is a forget-gate bias of 1 (`forget_bias=1`: f = σ(1) ≈ 0.73 before any "
        "learning), so the LSTM remembers by default and the gradient passes from the first step."
    ): (
        "常见的做法是把遗忘门偏置设为 1（`forget_bias=1`：学习之前 f = σ(1) ≈ "
        "0.73），这样 LSTM 默认会记住细胞状态，梯度从第一步起就能穿过。"
    ),
    "An LSTM on the adding problem with forget_bias = 1": "在 adding 问题上使用 forget_bias = 1 的 LSTM",
}
