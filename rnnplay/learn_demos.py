"""The small computations the Learn page runs and shows beside its words (the page prints their source with
inspect.getsource, so what it shows is what ran): packing against padding, the two tensor layouts, one set of
weights for any length, a bidirectional RNN's two halves, the gradient through time of a tanh RNN against its
spectral radius, and clipping by norm and by value."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


def packed_vs_alone(lengths=(5, 3, 2), pad=1e6, seed=0) -> tuple[float, float]:
    """Run a GRU over a padded batch, packed and not, and over each sentence alone; return the
    largest difference of the final hidden states: (packed vs alone, padded vs alone)."""
    gen = torch.Generator().manual_seed(seed)
    rnn = nn.GRU(input_size=4, hidden_size=8, batch_first=True)
    with torch.no_grad():
        for p in rnn.parameters():
            p.uniform_(-0.5, 0.5, generator=gen)
        x = torch.randn(len(lengths), max(lengths), 4, generator=gen)  # (B, T, I)
        for i, n in enumerate(lengths):
            x[i, n:] = pad  # padding: never read when packed
        alone = torch.cat([rnn(x[i : i + 1, :n])[1] for i, n in enumerate(lengths)], dim=1)  # (1, B, H)
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        _, h_packed = rnn(packed)  # each sentence's state after its own last word
        _, h_padded = rnn(x)  # the state after the padding
    return (h_packed - alone).abs().max().item(), (h_padded - alone).abs().max().item()


def layouts(seq_len=10, batch=32, input_size=8, hidden_size=16, seed=0) -> dict:
    """The course's shapes through nn.RNN both ways: (seq_len, batch, input_size) by default, (batch,
    seq_len, input_size) with batch_first=True; the same weights give the same numbers, transposed."""
    torch.manual_seed(seed)
    rnn = nn.RNN(input_size, hidden_size)  # batch_first=False: PyTorch's default, time first
    rnn_bf = nn.RNN(input_size, hidden_size, batch_first=True)
    rnn_bf.load_state_dict(rnn.state_dict())
    x = torch.randn(seq_len, batch, input_size)
    x_bf = x.transpose(0, 1)  # (batch, seq_len, input_size)
    with torch.no_grad():
        out, h_n = rnn(x)  # out (seq_len, batch, H), h_n (1, batch, H)
        out_bf, h_n_bf = rnn_bf(x_bf)  # out (batch, seq_len, H), h_n still (1, batch, H)
    shapes = {
        k: str(tuple(v.shape)) for k, v in dict(x=x, out=out, h_n=h_n, x_bf=x_bf, out_bf=out_bf, h_n_bf=h_n_bf).items()
    }
    diff = (out_bf.transpose(0, 1) - out).abs().max().item()
    return {**shapes, "diff": diff, "last": (out[-1] - h_n[0]).abs().max().item()}


def shared_parameters(input_size=5, hidden_size=64, output_size=2, lengths=(10, 1000), seed=0) -> dict:
    """One RNN and its output layer y_t = W_hy h_t + b_y read sequences of any length with the same weights."""
    torch.manual_seed(seed)
    rnn, fc = nn.RNN(input_size, hidden_size, batch_first=True), nn.Linear(hidden_size, output_size)
    n = sum(p.numel() for p in [*rnn.parameters(), *fc.parameters()])
    shapes = []
    with torch.no_grad():
        for T in lengths:
            out, _ = rnn(torch.randn(1, T, input_size))
            shapes.append(str(tuple(fc(out).shape)))  # y_t at every step: (1, T, output_size)
    return {"n": n, "i": input_size, "h": hidden_size, "o": output_size, "t1": lengths[0], "t2": lengths[1],
            "s1": shapes[0], "s2": shapes[1]}  # fmt: skip


def bidirectional_alignment(T=6, H=4, seed=0) -> dict:
    """nn.RNN(bidirectional=True) against two one-way nn.RNN holding its weights: the backward half of out
    is the backward RNN run on the reversed sequence and flipped back into time order."""
    torch.manual_seed(seed)
    bi = nn.RNN(3, H, batch_first=True, bidirectional=True)
    fwd, bwd = nn.RNN(3, H, batch_first=True), nn.RNN(3, H, batch_first=True)
    weights = bi.state_dict()
    fwd.load_state_dict({k: weights[k] for k in fwd.state_dict()})
    bwd.load_state_dict({k: weights[k + "_reverse"] for k in bwd.state_dict()})
    x = torch.randn(2, T, 3)
    with torch.no_grad():
        out, h_n = bi(x)  # out (2, T, 2H): forward half, then backward half
        out_f, _ = fwd(x)
        out_b, _ = bwd(x.flip(1))  # reads x_T ... x_1: its step k is time T-1-k
    gap = lambda a, b: (a - b).abs().max().item()  # noqa: E731
    return {
        "forward": gap(out[..., :H], out_f),
        "realigned": gap(out[..., H:], out_b.flip(1)),  # flipped back into time order
        "not_realigned": gap(out[..., H:], out_b),
        "h_n_first": gap(h_n[1], out[:, 0, H:]),
        "h_n_last": gap(h_n[1], out[:, -1, H:]),
    }


def jacobian_norms(rho: float, T: int, H: int = 32, seed: int = 0) -> dict[str, list[float]]:
    """‖∂h_T/∂h_t‖₂ for t = 1..T of a tanh RNN h_k = tanh(W_hh h_(k-1) + u_k) whose W_hh has spectral
    radius rho, the same product without tanh (‖W_hh^(T-t)‖₂), and rho^(T-t)."""
    gen = torch.Generator().manual_seed(seed)
    W = torch.randn(H, H, generator=gen, dtype=torch.float64) / H**0.5
    W *= rho / torch.linalg.eigvals(W).abs().max()  # now max |eigenvalue| = rho
    u = 0.5 * torch.randn(T, H, generator=gen, dtype=torch.float64)  # a small random input per step
    h, hs = torch.zeros(H, dtype=torch.float64), []
    for k in range(T):
        h = torch.tanh(W @ h + u[k])
        hs.append(h)
    P, L = torch.eye(H, dtype=torch.float64), torch.eye(H, dtype=torch.float64)
    tanh_rnn, linear = [1.0], [1.0]  # t = T: ∂h_T/∂h_T = I
    for k in range(T - 1, 0, -1):  # t = T-1 .. 1: multiply by J_(t+1) on the right
        P = P @ (torch.diag(1 - hs[k] ** 2) @ W)  # J_k = diag(tanh'(a_k)) W_hh
        L = L @ W
        tanh_rnn.append(torch.linalg.matrix_norm(P, ord=2).item())
        linear.append(torch.linalg.matrix_norm(L, ord=2).item())
    return {
        "t": list(range(1, T + 1)),
        "tanh": tanh_rnn[::-1],
        "linear": linear[::-1],
        "rho": [rho ** (T - t) for t in range(1, T + 1)],
    }


def clip_both(g: tuple[float, float], c: float) -> tuple[list[float], list[float]]:
    """Clip the gradient g of a two-number parameter by norm and by value with torch's own functions."""
    out = []
    for clip in (lambda p: nn.utils.clip_grad_norm_(p, c), lambda p: nn.utils.clip_grad_value_(p, c)):
        p = nn.Parameter(torch.zeros(2))
        p.grad = torch.tensor(g)
        clip([p])
        out.append(p.grad.tolist())
    return out[0], out[1]
