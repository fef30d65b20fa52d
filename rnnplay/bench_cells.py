"""python -m rnnplay.bench_cells: the written-out cells (impl=scratch) against the fused torch path.

For each arch (rnn, lstm, gru), hidden size and sequence length, the same model — recurrent core and
a linear head reading every step — is trained with ScratchRNN and with nn.RNN/LSTM/GRU holding the
same weights: one full training step is forward, MSE loss, zero_grad, backward and an Adam step.
The two take turns in rounds (scratch, torch, torch, scratch, ...) so that a shared machine's noise
slows both alike; each rate is the median over rounds and `ratio` is the median of the rounds' own
torch/scratch steps/s (how many times slower the written-out cells are; the target is <= 1.5 for
hidden <= 128 and T <= 100); `cpu_ratio` is the same from this process's CPU time, which leaves out
the time a busy shared machine kept it waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from torch import nn

from rnnplay.cells import ScratchRNN

ARCHS = ("rnn", "lstm", "gru")
HIDDEN = (32, 64, 128)
SEQ_LEN = (10, 50, 100)
BATCH, INPUT = 32, 16  # the default configs' batch size and embedding width
TORCH_CORES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class _Model(nn.Module):
    def __init__(self, core: nn.Module, hidden: int, D: int):
        super().__init__()
        self.core, self.head = core, nn.Linear(D * hidden, 1)

    def forward(self, x):
        return self.head(self.core(x)[0])


def make_pair(arch: str, hidden: int, num_layers: int = 1, bidirectional: bool = False, seed: int = 0):
    """(scratch model, torch model) with the same weights."""
    torch.manual_seed(seed)
    ref = TORCH_CORES[arch](INPUT, hidden, num_layers=num_layers, bidirectional=bidirectional, batch_first=True)
    core = ScratchRNN(arch, INPUT, hidden, num_layers=num_layers, bidirectional=bidirectional)
    core.load_state_dict(ref.state_dict())
    D = 2 if bidirectional else 1
    torch_model, scratch_model = _Model(ref, hidden, D), _Model(core, hidden, D)
    scratch_model.head.load_state_dict(torch_model.head.state_dict())
    return scratch_model, torch_model


def _rate(model: nn.Module, opt, x, y, steps: int) -> tuple[float, float]:
    """(steps per wall second, steps per CPU second of this process). With one thread the two agree on
    an idle machine; on a shared one the CPU time leaves out the time spent waiting for a core."""
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - t0), steps / max(time.process_time() - c0, 1e-9)


def case(
    arch: str,
    hidden: int,
    T: int,
    rounds: int = 5,
    steps: int = 20,
    num_layers: int = 1,
    bidirectional: bool = False,
    onednn: bool = True,
) -> dict:
    """Median steps/s of a full training step, scratch and torch, interleaved; ratio = torch / scratch.
    onednn=False times torch with oneDNN switched off: nn.LSTM then runs ATen's loop of per-step ops
    instead of the fused mkldnn_rnn_layer (nn.RNN and nn.GRU run that loop either way)."""
    was = torch.backends.mkldnn.enabled  # (mkldnn.flags() would also set TF32 and warn about it)
    torch.backends.mkldnn.enabled = onednn
    try:
        return _case(arch, hidden, T, rounds, steps, num_layers, bidirectional) | {"onednn": onednn}
    finally:
        torch.backends.mkldnn.enabled = was


def _case(arch, hidden, T, rounds, steps, num_layers, bidirectional) -> dict:
    models = make_pair(arch, hidden, num_layers, bidirectional)
    opts = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in models]
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(BATCH, T, INPUT, generator=g), torch.randn(BATCH, T, 1, generator=g)
    for m, o in zip(models, opts, strict=True):  # warm-up: allocator, lazy init
        _rate(m, o, x, y, 2)
    rates = ([], [])  # (wall, cpu) per round, scratch and torch
    for r in range(rounds):
        for i in (0, 1) if r % 2 == 0 else (1, 0):
            rates[i].append(_rate(models[i], opts[i], x, y, steps))
    scratch, fused = (statistics.median(w for w, _ in v) for v in rates)
    # each round's own ratio (its two halves ran back to back) is steadier on a machine whose load drifts
    paired = statistics.median(t[0] / s[0] for s, t in zip(*rates, strict=True))
    paired_cpu = statistics.median(t[1] / s[1] for s, t in zip(*rates, strict=True))
    return {
        "arch": arch,
        "hidden": hidden,
        "T": T,
        "batch": BATCH,
        "layers": num_layers,
        "bidirectional": bidirectional,
        "scratch_steps_per_s": round(scratch, 1),
        "torch_steps_per_s": round(fused, 1),
        "ratio": round(paired, 3),
        "cpu_ratio": round(paired_cpu, 3),
    }


def grid(
    rounds: int = 5, steps: int = 20, archs=ARCHS, hidden=HIDDEN, seq_len=SEQ_LEN, on_row=None, onednn: bool = True
) -> list[dict]:
    """Every (arch, hidden, T) case, one layer, unidirectional: a list of case() dicts (on_row(row) is
    called as each is done). `steps` is per timed loop at H=32, T=10; fewer for bigger cases."""
    out = []
    for arch in archs:
        for H in hidden:
            for T in seq_len:
                n = max(3, round(steps * (10 * 32 / (T * max(H, 32))) ** 0.5))
                out.append(case(arch, H, T, rounds, n, onednn=onednn))
                if on_row is not None:
                    on_row(out[-1])
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m rnnplay.bench_cells", description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=20, help="steps per timed loop at H=32, T=10 (fewer for bigger)")
    p.add_argument("--arch", choices=[*ARCHS, "all"], default="all")
    p.add_argument("--hidden", type=int, nargs="*", default=list(HIDDEN))
    p.add_argument("--seq-len", type=int, nargs="*", default=list(SEQ_LEN))
    p.add_argument("--layers", type=int, default=1, help="2: also time a 2-layer core (hidden 64, T 50)")
    p.add_argument("--bidirectional", action="store_true", help="also time a bidirectional core (hidden 64, T 50)")
    p.add_argument("--only-extra", action="store_true", help="only the --layers/--bidirectional cases")
    p.add_argument("--no-onednn", action="store_true", help="torch without oneDNN (nn.LSTM's unfused CPU path)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    archs = ARCHS if a.arch == "all" else (a.arch,)
    if not a.json:
        print(f"torch {torch.__version__}, {a.threads} thread(s), batch {BATCH}, input {INPUT}, {a.rounds} rounds")

    def show(r: dict) -> None:
        if a.json:
            print(json.dumps(r), flush=True)
            return
        kind = f"{r['layers']}L{' bi' if r['bidirectional'] else ''}{'' if r['onednn'] else ' no-oneDNN'}"
        print(
            f"{r['arch']:<4} {kind:<6} H={r['hidden']:<4} T={r['T']:<4} scratch {r['scratch_steps_per_s']:>7} "
            f"steps/s | torch {r['torch_steps_per_s']:>7} | torch/scratch {r['ratio']:.2f}"
            f"{'' if r['ratio'] <= 1.5 else ' (> 1.5)'} (CPU time: {r['cpu_ratio']:.2f})",
            flush=True,
        )

    if not a.only_extra:
        grid(a.rounds, a.steps, archs, a.hidden, a.seq_len, on_row=show, onednn=not a.no_onednn)
    if a.layers > 1 or a.bidirectional:  # hidden 64, T 50: a middle case
        for arch in archs:
            n = max(3, round(a.steps * 0.35))
            show(case(arch, 64, 50, a.rounds, n, a.layers, a.bidirectional, onednn=not a.no_onednn))


if __name__ == "__main__":
    main()
