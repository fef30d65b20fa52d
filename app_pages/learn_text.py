"""Every word of the Learn page, in one place, keyed by short ids. Each text is English, marked with
N_ for the one catalogue (rnnplay/i18n, Chinese in zh_learn.py) and translated where the page shows it
with tr(TEXT[id]). The LaTeX in EQUATIONS and LATEX is the same in every language; each equation comes
with the sentence that says what it does."""

from __future__ import annotations

from rnnplay.i18n import N_

# (latex, the sentence that explains it), in the order the code of rnnplay/cells.py runs them
EQUATIONS: dict[str, list[tuple[str, str]]] = {
    "rnn": [
        (
            r"h' = \tanh\left(W_{ih}\,x + b_{ih} + W_{hh}\,h + b_{hh}\right)",
            N_("The new state mixes the input and the old state, then squashes into (−1, 1)."),
        ),
    ],
    "lstm": [
        (
            r"i = \sigma\left(W_{ii}\,x + b_{ii} + W_{hi}\,h + b_{hi}\right)",
            N_("**input gate** i: how much of the candidate g to write into the cell."),
        ),
        (
            r"f = \sigma\left(W_{if}\,x + b_{if} + W_{hf}\,h + b_{hf}\right)",
            N_("**forget gate** f: how much of the old cell c to keep (1 = keep all)."),
        ),
        (
            r"g = \tanh\left(W_{ig}\,x + b_{ig} + W_{hg}\,h + b_{hg}\right)",
            N_("**candidate** g: what could be written, in (−1, 1)."),
        ),
        (
            r"o = \sigma\left(W_{io}\,x + b_{io} + W_{ho}\,h + b_{ho}\right)",
            N_("**output gate** o: how much of the cell to show as the hidden state."),
        ),
        (
            r"c' = f \odot c + i \odot g",
            N_("The cell is *added to*, not multiplied by a matrix: the path that keeps memory."),
        ),
        (r"h' = o \odot \tanh(c')", N_("The hidden state is a gated view of the cell.")),
    ],
    "gru": [
        (
            r"r = \sigma\left(W_{ir}\,x + b_{ir} + W_{hr}\,h + b_{hr}\right)",
            N_("**reset gate** r: how much of the old state the candidate may look at."),
        ),
        (
            r"z = \sigma\left(W_{iz}\,x + b_{iz} + W_{hz}\,h + b_{hz}\right)",
            N_("**update gate** z: how much of the old state to keep (1 = keep all)."),
        ),
        (
            r"n = \tanh\left(W_{in}\,x + b_{in} + r \odot \left(W_{hn}\,h + b_{hn}\right)\right)",
            N_("**new state** n: PyTorch puts r *inside* the bracket, after W_hn h + b_hn."),
        ),
        (r"h' = (1 - z) \odot n + z \odot h", N_("Interpolate: z near 1 copies the old state forward unchanged.")),
    ],
}

LATEX = {
    # the factors in the order they multiply (∂L/∂h a row vector): the last step's Jacobian first
    "grad_chain": r"\frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_T}\,"
    r"J_T\, J_{T-1} \cdots J_{t+1}, \qquad J_k = \frac{\partial h_k}{\partial h_{k-1}}"
    r" = \operatorname{diag}\!\big(f'(a_k)\big)\, W_{hh}",
    # one step is bounded by σ_max · max f′; the spectral radius is the long-run rate of the product
    "grad_rate": r"\lVert J_k \rVert_2 \le \sigma_{\max}(W_{hh}) \cdot \max f', \qquad"
    r"\lVert W_{hh}^{\,n} \rVert_2^{1/n} \to \rho(W_{hh}) \ \text{ as } n \to \infty",
    "lstm_path": r"c_t = f_t \odot c_{t-1} + i_t \odot g_t \quad\Rightarrow\quad "
    r"\frac{\partial c_t}{\partial c_{t-1}} = \operatorname{diag}(f_t) + \dots",
    "clip_norm": r"g \leftarrow g \cdot \min\!\left(1,\ \frac{c}{\lVert g \rVert}\right),"
    r"\qquad \lVert g \rVert = \sqrt{\textstyle\sum_{\text{all parameters}} g_i^2}",
    "clip_value": r"g_i \leftarrow \min\!\big(\max(g_i,\,-c),\ c\big)",
    "output": r"y_t = W_{hy}\,h_t + b_y",
    "shared": r"h_t = f\left(W_{xh}\,x_t + W_{hh}\,h_{t-1} + b_h\right), \quad t = 1, \dots, T"
    r" \qquad \text{(the same } W_{xh},\ W_{hh},\ b_h,\ W_{hy},\ b_y \text{ at every } t\text{)}",
}

TEXT: dict[str, str] = {
    "title": N_("Learn"),
    "intro": N_(
        "The ideas behind the Playground, each next to something you can run: the cell equations beside "
        "**the very code that trains your model**, the four ways a sequence model reads and writes, packed "
        "batches, gradient clipping, and why gradients vanish or explode."
    ),
    "cells_header": N_("1 · The cells: equations beside the code that runs"),
    "cells_intro": N_(
        "PyTorch's conventions: the same weight names, shapes and gate order as `nn.RNN`, `nn.LSTM` and "
        "`nn.GRU`. On the right is the source of the function in `rnnplay/cells.py`, read from the file "
        "while this page renders — not a copy."
    ),
    "equations": N_("Equations"),
    "code": N_("The code that runs"),
    "code_caption_rnn": N_(
        "`rnnplay.cells.rnn_cell` — one time step. The whole sum is one line; `relu` replaces `tanh` with "
        "`nonlinearity=relu`."
    ),
    "code_caption_lstm": N_(
        "`rnnplay.cells.lstm_cell` — two matrix products, summed, give all four gates stacked (i, f, g, o): "
        "`x @ w_ih.T` for the input and `h @ w_hh.T` for the old state, plus both biases; `.chunk(4, dim=1)` "
        "splits them."
    ),
    "code_caption_gru": N_(
        "`rnnplay.cells.gru_cell` — the input and hidden products are kept apart, because r multiplies "
        "only the hidden part of n."
    ),
    "shapes": N_("Parameter shapes"),
    "shapes_text": N_(
        "I = input size, H = hidden size, G = {g} gates ({names}). The G blocks are stacked in this order "
        "along the first axis."
    ),
    "shapes_table": N_(
        "| parameter | shape |\n| --- | --- |\n| `weight_ih` | (G·H, I) = ({g}H, I) |\n| `weight_hh` | "
        "(G·H, H) = ({g}H, H) |\n| `bias_ih` | (G·H,) = ({g}H,) |\n| `bias_hh` | (G·H,) = ({g}H,) |"
    ),
    "gate_names_rnn": N_("one block"),
    "scratch_note": N_(
        "With **impl = scratch** the Playground runs exactly these functions, step by step. Given the same "
        "weights they equal the fused `nn.RNN`, `nn.LSTM` and `nn.GRU` to 1e-4 — outputs and training "
        "curves — and the test suite checks it (`tests/test_cells.py`)."
    ),
    "scratch_link": N_("Train an LSTM built from this code"),
    "output_header": N_("The output y_t, and one set of weights for every step"),
    "output_text": N_(
        "The cells above give the hidden state h_t. The **output** is a linear layer on it: W_hy (the "
        "course's V) maps h_t to y_t. In PyTorch it is the `nn.Linear` after the RNN (`self.fc` in the "
        "course, `head` in rnnplay): on every h_t for many-to-many, on the last one for many-to-one."
    ),
    "shared_text": N_(
        "**Parameter sharing**: the same W_xh (the course's U, PyTorch's `weight_ih`), W_hh (W, `weight_hh`) "
        "and W_hy (V) serve every time step. The number of parameters does not depend on the sequence "
        "length, and one model reads sequences of any length."
    ),
    "shared_result": N_(
        "Computed now: `nn.RNN({i}, {h})` + `nn.Linear({h}, {o})` has {n} parameters; it reads a sequence "
        "of T = {t1} and one of T = {t2} with those same {n} numbers (outputs of shapes {s1} and {s2})."
    ),
    "layout_header": N_("Tensor shapes: (seq_len, batch, input_size) and batch_first"),
    "layout_text": N_(
        "`nn.RNN`, `nn.LSTM` and `nn.GRU` read **(seq_len, batch, input_size)** by default: time first. "
        "With `batch_first=True` they read **(batch, seq_len, input_size)**, the layout of a DataLoader's "
        "batches; rnnplay and the exported script use it. The final state h_n is **(num_layers × "
        "directions, batch, hidden_size)** either way: `batch_first` does not apply to it."
    ),
    "layout_table": N_(
        "| | input x | output out | final state h_n |\n| --- | --- | --- | --- |\n"
        "| default (time first) | {x} | {out} | {h_n} |\n| `batch_first=True` | {x_bf} | {out_bf} | {h_n_bf} |"
    ),
    "layout_result": N_(
        "Computed now with the course's numbers (32 sequences of 10 steps of 8 features) and the same "
        "weights: the two layouts differ by {diff:.1e} after `out.transpose(0, 1)`; the last step `out[-1]` "
        "(time first) equals `h_n[0]` to {last:.1e}. A batch-first tensor fed to a time-first RNN runs "
        "without an error: it reads 32 steps of 10 sequences."
    ),
    "layout_code": N_("The shapes came from this function:"),
    "bi_header": N_("How a bidirectional layer lines up its backward outputs"),
    "bi_align_text": N_(
        "The backward RNN reads x_T, …, x_1. Its outputs come out in that reversed order, so "
        "`bidirectional=True` **flips them back**: `out[:, t, H:]` is the backward state after reading x_T "
        "down to x_t, beside the forward state after x_1 … x_t in `out[:, t, :H]`. A bidirectional RNN built "
        "by hand must do the same before concatenating. Below, nn.RNN(bidirectional=True) against two "
        "one-way nn.RNN holding its weights:"
    ),
    "bi_align_table": N_(
        "| compared | max difference |\n| --- | --- |\n"
        "| `out[..., :H]` vs the forward RNN on x | {forward:.1e} |\n"
        "| `out[..., H:]` vs the backward RNN on `x.flip(1)`, **flipped back** | {realigned:.1e} |\n"
        "| `out[..., H:]` vs the backward RNN on `x.flip(1)`, not flipped back | {not_realigned:.2f} |\n"
        "| `h_n[1]` (backward, whole sequence read) vs `out[:, 0, H:]` | {h_n_first:.1e} |\n"
        "| `h_n[1]` vs `out[:, -1, H:]` (backward, only x_T read) | {h_n_last:.2f} |"
    ),
    "bi_align_read": N_(
        "So a many-to-one model reads the forward half at the last step and the backward half at the "
        "**first** step (or `h_n`): `out[:, -1]` alone gives a backward state that has seen one input. "
        "rnnplay's readout does this."
    ),
    "bi_align_code": N_("The comparison ran in this function:"),
    "mistakes_header": N_("6 · Common mistakes in course code"),
    "mistakes_intro": N_(
        "The course material this app is built from has a few errors. Each is here with what is right "
        "and, where it helps, a run that shows it."
    ),
    "mistakes_list": N_(
        "- **`torch.nn.VanillaRNN` does not exist.** PyTorch's vanilla (gate-less) RNN is `nn.RNN`; "
        "`torch.nn.VanillaRNN` raises AttributeError.\n"
        '- **"Test accuracy" measured on `train_loader` is training accuracy.** It says how well the '
        "model remembers what it saw, not how it does on new data: evaluate on data it never trained on. "
        "With random labels the two differ the most (the random task: training accuracy climbs, "
        "validation stays at 50%).\n"
        "- **`out[:, -1, :]` after `pad_packed_sequence` reads padding.** For every sequence shorter than "
        "the longest, the last row is zeros; read each sequence's own last step (`lengths - 1`) or h_n.\n"
        "- **A hand-made bidirectional RNN must flip its backward outputs back** before concatenating "
        "(section 2); otherwise step t pairs with step T−1−t.\n"
        "- **`hidden.detach()` does not prevent exploding gradients.** It cuts the graph where a batch "
        "begins (truncated backpropagation through time): the state is carried, the gradient stops there. "
        "Without it the next `backward()` would reach into the previous batch's freed graph and fail.\n"
        '- **y_t is the output and W_hy the hidden-to-output weight**, not "the hidden state at time t" as '
        "one text labels both.\n"
        "- **A plain RNN has no gates.** Gates (input, forget, output; reset, update) belong to the LSTM and "
        "the GRU.\n"
        "- **The time steps are not computed in parallel.** h_t needs h_(t−1), so the steps run one after "
        "another; only the sequences of a batch run side by side.\n"
        "- **`criterion(outputs, x)` with outputs (32, 5) and x (32, 10, 10)** (a training loop in the "
        "course) compares tensors of different shapes and stops with an error; the target must have the "
        "output's shape."
    ),
    "forget_bias_text": N_(
        "A common start is a forget-gate bias of 1 (`forget_bias=1`: f = σ(1) ≈ 0.73 before any learning), "
        "so the LSTM remembers by default and the gradient passes from the first step."
    ),
    "setups_header": N_("2 · Four ways to read and write a sequence"),
    "setups_intro": N_(
        "The same recurrent core, wired to its inputs and outputs in different ways. Each box below is a "
        "task you can train."
    ),
    "m2o": N_("Many-to-one"),
    "m2o_text": N_(
        "Read the whole sequence, answer once from the **last** hidden state: classification or regression "
        "of a sequence."
    ),
    "m2m": N_("Many-to-many"),
    "m2m_text": N_("An answer at **every** step from that step's hidden state: language models, tagging."),
    "o2m": N_("One-to-many"),
    "o2m_text": N_(
        "One input at the first step (a class), then the network **generates** a sequence from its own state."
    ),
    "s2s": N_("Sequence-to-sequence (encoder-decoder)"),
    "s2s_text": N_(
        "An **encoder** reads the input into its final state; a **decoder** starts from that state and "
        "writes an output of its own length, feeding back its previous token."
    ),
    "bi": N_("Bidirectional"),
    "bi_text": N_(
        "A second RNN (h←, purple) reads the sequence backwards; each step's output sees the past **and** "
        "the future. Only where the task allows it: a character model must not read the next character."
    ),
    "stacked": N_("Stacked layers"),
    "stacked_text": N_(
        "The hidden states of one layer are the inputs of the next (num_layers = 1–4), with optional "
        "dropout between layers."
    ),
    "pack_header": N_("3 · Packed sequences: sentences of different lengths in one batch"),
    "pack_text": N_(
        "A batch is one tensor, so shorter sentences are padded at the end. Fed as is, the RNN would keep "
        "stepping through the padding and its last state would be the state *after the padding*. "
        "`pack_padded_sequence` tells the RNN each sentence's length: every sentence stops at its own last "
        "word, padding is never read, and the result is exactly what each sentence gives alone. rnnplay "
        "packs every batch that carries `lengths` (sentiment, reverse)."
    ),
    "pack_code": N_("This function ran while the page rendered:"),
    "pack_packed": N_("packed batch vs. each sentence alone"),
    "pack_padded": N_("padded, not packed, vs. alone"),
    "pack_result": N_(
        "max |difference| of the last hidden states, sentences of lengths {lengths}; the padding was "
        "filled with {pad:g} to show it is never read when packed."
    ),
    "clip_header": N_("4 · Gradient clipping"),
    "clip_text": N_(
        "One exploding step can throw the weights far away. Clipping caps the gradient before the "
        "optimizer step; the threshold is `clip`."
    ),
    "clip_norm": N_(
        "**By norm** (`clip_mode=norm`, `torch.nn.utils.clip_grad_norm_`): the whole gradient, all "
        "parameters together, is shrunk when its length exceeds c. Its **direction is kept**."
    ),
    "clip_value": N_(
        "**By value** (`clip_mode=value`, `torch.nn.utils.clip_grad_value_`): each component is cut to "
        "[−c, c] on its own. Cheap, but it **changes the direction**."
    ),
    "clip_demo": N_("A two-component gradient g = ({g0:g}, {g1:g}), clipped by torch's own functions:"),
    "clip_slider": N_("threshold c"),
    "clip_chart": N_("Clipping g = ({g0:g}, {g1:g}) with c = {c:g}"),
    "clip_by_norm": N_("by norm"),
    "clip_by_value": N_("by value"),
    "clip_where": N_(
        "In the Playground the **Gradient norm** chart shows ‖g‖ before and after clipping, with the threshold."
    ),
    "grad_header": N_("5 · Why gradients vanish or explode"),
    "grad_text": N_(
        "The loss at the last step reaches an early hidden state only through every step in between: one "
        "Jacobian per step, multiplied together from the last step back, in the order written below."
    ),
    "grad_rate_text": N_(
        "One step's factor can stretch the gradient by **at most** σ_max(W_hh) · max f′: the largest "
        "singular value of W_hh times the steepest slope of f (f′ ≤ 1 for tanh). Over many steps the "
        "**spectral radius** ρ of W_hh (its largest |eigenvalue|, never above σ_max) sets the rate: the "
        "norm of W_hh multiplied n times grows or shrinks like ρⁿ. After T − t steps: ρ below 1 → the "
        "gradient **vanishes** exponentially; ρ above 1 → it can **explode**."
    ),
    "rho_slider": N_("spectral radius ρ of W_hh"),
    "T_slider": N_("sequence length T"),
    "grad_chart": N_("Gradient reaching step t from step T = {T} (ρ = {rho:g})"),
    "grad_x": N_("time step t"),
    "grad_y": N_("norm (log scale)"),
    "trace_linear": N_("linear RNN: ‖W_hh^(T−t)‖"),
    "trace_tanh": N_("tanh RNN: ‖J_T ⋯ J_(t+1)‖"),
    "grad_real": N_(
        "The solid lines are computed with torch: a random {H}×{H} W_hh scaled to spectral radius ρ, a "
        "tanh RNN run on a small random input, and the product of its Jacobians J_k = diag(1 − h_k²) W_hh, "
        "its largest singular value per step ({ms:.1f} ms)."
    ),
    "grad_read": N_(
        "**How to read it.** Without tanh (blue) the product follows ρ^(T−t) over many steps: below 1 it "
        "vanishes, above 1 it explodes. With tanh (red) every f′ = 1 − h² ≤ 1 pulls the curve further down. "
        "Push ρ above 1: the state grows until units saturate (h near ±1, f′ near 0) and the gradient "
        "*still* fades. That is why vanishing is the everyday failure of a tanh RNN, while explosions come "
        "as sudden spikes when training pushes W_hh across such a boundary (Pascanu et al., 2013) — and why "
        "ReLU RNNs explode more readily: ReLU's f′ is 0 or 1, exactly 1 on every active unit, so nothing "
        "pulls the product down along the units that stay on."
    ),
    "grad_code": N_("The computation behind the chart"),
    "lstm_header": N_("Why the LSTM remembers"),
    "lstm_text": N_(
        "The cell state is updated by **addition**. Along the path cₜ₋₁ → cₜ the Jacobian is just "
        "diag(fₜ): no W_hh, no tanh′. With the forget gate near 1 the gradient passes through many steps "
        "almost unchanged. The GRU's z ⊙ h term does the same."
    ),
    "grad_playground": N_(
        "In the Playground, the **Gradient through time** chart draws the real ‖∂L/∂hₜ‖ of your model while it trains."
    ),
}
