"""Every word of the Learn page, in one place, keyed by short ids: a translation is one more entry
in TEXT (e.g. "zh") with the same ids; a missing id falls back to English. The LaTeX in EQUATIONS
is the same in every language; each line names the TEXT id that says what it does."""

from __future__ import annotations

# (latex, id of the sentence that explains it), in the order the code of rnnplay/cells.py runs them
EQUATIONS: dict[str, list[tuple[str, str]]] = {
    "rnn": [
        (r"h' = \tanh\left(W_{ih}\,x + b_{ih} + W_{hh}\,h + b_{hh}\right)", "eq_rnn_h"),
    ],
    "lstm": [
        (r"i = \sigma\left(W_{ii}\,x + b_{ii} + W_{hi}\,h + b_{hi}\right)", "eq_lstm_i"),
        (r"f = \sigma\left(W_{if}\,x + b_{if} + W_{hf}\,h + b_{hf}\right)", "eq_lstm_f"),
        (r"g = \tanh\left(W_{ig}\,x + b_{ig} + W_{hg}\,h + b_{hg}\right)", "eq_lstm_g"),
        (r"o = \sigma\left(W_{io}\,x + b_{io} + W_{ho}\,h + b_{ho}\right)", "eq_lstm_o"),
        (r"c' = f \odot c + i \odot g", "eq_lstm_c"),
        (r"h' = o \odot \tanh(c')", "eq_lstm_h"),
    ],
    "gru": [
        (r"r = \sigma\left(W_{ir}\,x + b_{ir} + W_{hr}\,h + b_{hr}\right)", "eq_gru_r"),
        (r"z = \sigma\left(W_{iz}\,x + b_{iz} + W_{hz}\,h + b_{hz}\right)", "eq_gru_z"),
        (r"n = \tanh\left(W_{in}\,x + b_{in} + r \odot \left(W_{hn}\,h + b_{hn}\right)\right)", "eq_gru_n"),
        (r"h' = (1 - z) \odot n + z \odot h", "eq_gru_h"),
    ],
}

LATEX = {
    "grad_chain": r"\frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_T}\,"
    r"\prod_{k=t+1}^{T} J_k, \qquad J_k = \frac{\partial h_k}{\partial h_{k-1}}"
    r" = \operatorname{diag}\!\big(f'(a_k)\big)\, W_{hh}",
    "grad_rate": r"\left\lVert \frac{\partial L}{\partial h_t} \right\rVert \approx \rho(W_{hh})^{\,T-t}"
    r"\left\lVert \frac{\partial L}{\partial h_T} \right\rVert",
    "lstm_path": r"c_t = f_t \odot c_{t-1} + i_t \odot g_t \quad\Rightarrow\quad "
    r"\frac{\partial c_t}{\partial c_{t-1}} = \operatorname{diag}(f_t) + \dots",
    "clip_norm": r"g \leftarrow g \cdot \min\!\left(1,\ \frac{c}{\lVert g \rVert}\right),"
    r"\qquad \lVert g \rVert = \sqrt{\textstyle\sum_{\text{all parameters}} g_i^2}",
    "clip_value": r"g_i \leftarrow \min\!\big(\max(g_i,\,-c),\ c\big)",
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Learn",
        "intro": "The ideas behind the Playground, each next to something you can run: the cell equations "
        "beside **the very code that trains your model**, the four ways a sequence model reads and "
        "writes, packed batches, gradient clipping, and why gradients vanish or explode.",
        # 1. cells
        "cells_header": "1 · The cells: equations beside the code that runs",
        "cells_intro": "PyTorch's conventions: the same weight names, shapes and gate order as `nn.RNN`, "
        "`nn.LSTM` and `nn.GRU`. On the right is the source of the function in `rnnplay/cells.py`, read "
        "from the file while this page renders — not a copy.",
        "tab_rnn": "RNN",
        "tab_lstm": "LSTM",
        "tab_gru": "GRU",
        "equations": "Equations",
        "code": "The code that runs",
        "code_caption_rnn": "`rnnplay.cells.rnn_cell` — one time step. The whole sum is one line; `relu` replaces "
        "`tanh` with `nonlinearity=relu`.",
        "code_caption_lstm": "`rnnplay.cells.lstm_cell` — one matrix product gives all four gates stacked "
        "(i, f, g, o); `.chunk(4, dim=1)` splits them.",
        "code_caption_gru": "`rnnplay.cells.gru_cell` — the input and hidden products are kept apart, because "
        "r multiplies only the hidden part of n.",
        "eq_rnn_h": "The new state mixes the input and the old state, then squashes into (−1, 1).",
        "eq_lstm_i": "**input gate** i: how much of the candidate g to write into the cell.",
        "eq_lstm_f": "**forget gate** f: how much of the old cell c to keep (1 = keep all).",
        "eq_lstm_g": "**candidate** g: what could be written, in (−1, 1).",
        "eq_lstm_o": "**output gate** o: how much of the cell to show as the hidden state.",
        "eq_lstm_c": "The cell is *added to*, not multiplied by a matrix: the path that keeps memory.",
        "eq_lstm_h": "The hidden state is a gated view of the cell.",
        "eq_gru_r": "**reset gate** r: how much of the old state the candidate may look at.",
        "eq_gru_z": "**update gate** z: how much of the old state to keep (1 = keep all).",
        "eq_gru_n": "**new state** n: PyTorch puts r *inside* the bracket, after W_hn h + b_hn.",
        "eq_gru_h": "Interpolate: z near 1 copies the old state forward unchanged.",
        "shapes": "Parameter shapes",
        "shapes_text": "I = input size, H = hidden size, G = {g} gates ({names}). The G blocks are stacked in "
        "this order along the first axis.",
        "shapes_table": "| parameter | shape |\n| --- | --- |\n| `weight_ih` | (G·H, I) = ({g}H, I) |\n"
        "| `weight_hh` | (G·H, H) = ({g}H, H) |\n| `bias_ih` | (G·H,) = ({g}H,) |\n"
        "| `bias_hh` | (G·H,) = ({g}H,) |",
        "gate_names_rnn": "one block",
        "scratch_note": "With **impl = scratch** the Playground runs exactly these functions, step by step. "
        "Given the same weights they equal the fused `nn.RNN`, `nn.LSTM` and `nn.GRU` to 1e-4 — outputs and "
        "training curves — and the test suite checks it (`tests/test_cells.py`).",
        "scratch_link": "Train an LSTM built from this code",
        # 2. set-ups
        "setups_header": "2 · Four ways to read and write a sequence",
        "setups_intro": "The same recurrent core, wired to its inputs and outputs in different ways. "
        "Each box below is a task you can train.",
        "m2o": "Many-to-one",
        "m2o_text": "Read the whole sequence, answer once from the **last** hidden state: classification "
        "or regression of a sequence.",
        "m2m": "Many-to-many",
        "m2m_text": "An answer at **every** step from that step's hidden state: language models, tagging.",
        "o2m": "One-to-many",
        "o2m_text": "One input at the first step (a class), then the network **generates** a sequence from "
        "its own state.",
        "s2s": "Sequence-to-sequence (encoder-decoder)",
        "s2s_text": "An **encoder** reads the input into its final state; a **decoder** starts from that "
        "state and writes an output of its own length, feeding back its previous token.",
        "bi": "Bidirectional",
        "bi_text": "A second RNN (h←, purple) reads the sequence backwards; each step's output sees the past "
        "**and** the future. Only where the task allows it: a character model must not read the next character.",
        "stacked": "Stacked layers",
        "stacked_text": "The hidden states of one layer are the inputs of the next (num_layers = 1–4), with "
        "optional dropout between layers.",
        "task_majority": "majority — are there more ones than zeros?",
        "task_sentiment": "sentiment — is a short sentence positive?",
        "task_sine": "sine — forecast the next value of a noisy series",
        "task_adding": "adding — add the two marked numbers of a long sequence",
        "task_random": "random — random labels: memorising, not learning",
        "task_charlm": "charlm — predict the next character (hello → elloh)",
        "task_tagging": "tagging — a tag per word",
        "task_copy": "copy — recall symbols after a long delay",
        "task_wave": "wave — draw a waveform from its class",
        "task_reverse": "reverse — write a digit string backwards",
        "task_tagging_bi": "tagging with a bidirectional LSTM",
        "task_stacked": "charlm with two stacked LSTM layers",
        # 3. packing
        "pack_header": "3 · Packed sequences: sentences of different lengths in one batch",
        "pack_text": "A batch is one tensor, so shorter sentences are padded at the end. Fed as is, the RNN "
        "would keep stepping through the padding and its last state would be the state *after the "
        "padding*. `pack_padded_sequence` tells the RNN each sentence's length: every sentence stops at "
        "its own last word, padding is never read, and the result is exactly what each sentence gives "
        "alone. rnnplay packs every batch that carries `lengths` (sentiment, reverse).",
        "pack_code": "This function ran while the page rendered:",
        "pack_packed": "packed batch vs. each sentence alone",
        "pack_padded": "padded, not packed, vs. alone",
        "pack_result": "max |difference| of the last hidden states, sentences of lengths {lengths}; "
        "the padding was filled with {pad:g} to show it is never read when packed.",
        # 4. clipping
        "clip_header": "4 · Gradient clipping",
        "clip_text": "One exploding step can throw the weights far away. Clipping caps the gradient before "
        "the optimizer step; the threshold is `clip`.",
        "clip_norm": "**By norm** (`clip_mode=norm`, `torch.nn.utils.clip_grad_norm_`): the whole gradient, "
        "all parameters together, is shrunk when its length exceeds c. Its **direction is kept**.",
        "clip_value": "**By value** (`clip_mode=value`, `torch.nn.utils.clip_grad_value_`): each component "
        "is cut to [−c, c] on its own. Cheap, but it **changes the direction**.",
        "clip_demo": "A two-component gradient g = ({g0:g}, {g1:g}), clipped by torch's own functions:",
        "clip_slider": "threshold c",
        "clip_chart": "Clipping g = ({g0:g}, {g1:g}) with c = {c:g}",
        "clip_orig": "g",
        "clip_by_norm": "by norm",
        "clip_by_value": "by value",
        "clip_where": "In the Playground the **Gradient norm** chart shows ‖g‖ before and after clipping, "
        "with the threshold.",
        # 5. vanishing / exploding
        "grad_header": "5 · Why gradients vanish or explode",
        "grad_text": "The loss at the last step reaches an early hidden state only through every step in "
        "between: one Jacobian per step, multiplied together.",
        "grad_rate_text": "Each factor scales the gradient by roughly the spectral radius ρ of W_hh "
        "(its largest |eigenvalue|), times f′ ≤ 1 for tanh. After T − t steps: ρ below 1 → the gradient "
        "**vanishes** exponentially; ρ above 1 → it can **explode**.",
        "rho_slider": "spectral radius ρ of W_hh",
        "T_slider": "sequence length T",
        "grad_chart": "Gradient reaching step t from step T = {T} (ρ = {rho:g})",
        "grad_x": "time step t",
        "grad_y": "norm (log scale)",
        "trace_rho": "ρ^(T−t)",
        "trace_linear": "linear RNN: ‖W_hh^(T−t)‖",
        "trace_tanh": "tanh RNN: ‖J_T ⋯ J_(t+1)‖",
        "grad_real": "The solid lines are computed with torch: a random {H}×{H} W_hh scaled to spectral radius "
        "ρ, a tanh RNN run on a small random input, and the product of its Jacobians "
        "J_k = diag(1 − h_k²) W_hh, its largest singular value per step ({ms:.1f} ms).",
        "grad_read": "**How to read it.** Without tanh (blue) the product follows ρ^(T−t): below 1 it vanishes, "
        "above 1 it explodes. With tanh (red) every f′ = 1 − h² < 1 pulls the curve further down. Push ρ above 1: "
        "the state grows until units saturate (h near ±1, f′ near 0) and the gradient *still* fades. That is why "
        "vanishing is the everyday failure of a tanh RNN, while explosions come as sudden spikes when training "
        "pushes W_hh across such a boundary (Pascanu et al., 2013) — and why ReLU RNNs, with f′ = 1, explode "
        "more readily.",
        "grad_code": "The computation behind the chart",
        "lstm_header": "Why the LSTM remembers",
        "lstm_text": "The cell state is updated by **addition**. Along the path cₜ₋₁ → cₜ the "
        "Jacobian is just diag(fₜ): no W_hh, no tanh′. With the forget gate near 1 the gradient passes "
        "through many steps almost unchanged. The GRU's z ⊙ h term does the same.",
        "grad_playground": "In the Playground, the **Gradient through time** chart draws the real "
        "‖∂L/∂hₜ‖ of your model while it trains.",
        "grad_link_rnn": "See it vanish: an RNN on the adding problem, T = 50",
        "grad_link_lstm": "…and an LSTM on the same task",
    },
}


def text(key: str, lang: str = "en") -> str:
    """The string `key` in `lang`, falling back to English; an unknown id is a bug, so it raises."""
    return TEXT.get(lang, {}).get(key) or TEXT["en"][key]
