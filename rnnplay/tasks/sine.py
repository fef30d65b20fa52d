"""T4 sine: forecast the next value of a noisy sum of sines from a look-back window of seq_len values."""

from __future__ import annotations

import math

import torch

from rnnplay.tasks.base import Batch, Task

SERIES_LEN = 3000


class Sine(Task):
    name = "sine"
    kind = "many-to-one"
    description = "forecast the next value of a noisy sum of sines from a look-back window (regression)"
    metric = "mse"
    defaults = {"hidden_size": 32, "lr": 3e-3, "batch_size": 32, "steps": 600, "seq_len": 30}

    def __init__(self, config):
        super().__init__(config)
        self.input_size, self.output_size = 1, 1
        g = torch.Generator().manual_seed(config.seed)
        t = torch.arange(SERIES_LEN, dtype=torch.float32)
        phase = torch.rand(2, generator=g) * 2 * math.pi
        clean = torch.sin(2 * math.pi * t / 25 + phase[0]) + 0.5 * torch.sin(2 * math.pi * t / 9 + phase[1])
        self.clean = clean
        self.series = clean + config.noise * torch.randn(SERIES_LEN, generator=g)  # (N,)
        self.split = int(0.8 * SERIES_LEN)  # train windows end before it, validation after
        val_y = self.series[self.split + self.seq_len :]
        self.chance = self.chance_loss = float(val_y.var(unbiased=False))  # predict the mean

    def _windows(self, starts: torch.Tensor) -> Batch:
        idx = starts[:, None] + torch.arange(self.seq_len + 1)  # (B, T+1)
        w = self.series[idx]
        return Batch(w[:, :-1, None], w[:, -1:])  # x (B, T, 1), y (B, 1)

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        return self._windows(torch.randint(0, self.split - self.seq_len - 1, (n,), generator=gen))

    def val_batch(self) -> Batch:
        starts = torch.arange(self.split, SERIES_LEN - self.seq_len - 1)
        return self._windows(starts[: self.val_size])

    @torch.no_grad()
    def view(self, model, device, n: int = 150, horizon: int = 50) -> dict:
        """One-step forecasts over the start of the validation part, then an autoregressive
        forecast that feeds its own predictions back in for `horizon` steps."""
        model.eval()
        T, s0 = self.seq_len, self.split
        b = self._windows(torch.arange(s0, s0 + n))
        one_step = model(b.x.to(device)).squeeze(-1).cpu()
        window = self.series[s0 + n - T : s0 + n].clone().to(device)  # the last T observed values
        auto = []
        for _ in range(horizon):
            nxt = model(window[None, :, None])[0, 0]
            auto.append(float(nxt))
            window = torch.cat([window[1:], nxt.reshape(1)])
        t = list(range(s0 + T, s0 + T + n))
        truth = self.series[s0 + T : s0 + T + n + horizon].tolist()
        return {
            "kind": "forecast",
            "t": t,
            "truth": truth,
            "t_truth": list(range(s0 + T, s0 + T + len(truth))),
            "one_step": one_step.tolist(),
            "t_auto": list(range(s0 + T + n, s0 + T + n + horizon)),
            "auto": auto,
        }
