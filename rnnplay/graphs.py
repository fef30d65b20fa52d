"""A training step captured once as a CUDA graph and replayed (Trainer(cuda_graph=True), or RNNPLAY_CUDA_GRAPH=1).

A small model's step on a GPU is a few hundred kernels of microseconds each, and Python launches every one,
so the GPU waits on the host (with many runs in one process, on the GIL too). Captured once, the whole step
(forward, loss, backward, clipping, the statistics, the optimizer) is one replay: the host copies the batch
into the graph's input buffers and launches it. Off by default: how much it gains is measured on a GPU by
`python -m rnnplay.bench --gpu-check`, with and without.

What a graph needs, and what happens otherwise (that step runs in Python, as without a graph):
- the same shapes every step: a batch of another shape runs uncaptured; batches with lengths (packed,
  their layout decided on the host per batch), seq2seq (teacher forcing drawn per step) and a carried
  state are never captured (`off` says why);
- the same Python decisions: a new learning rate (schedule, live change), clipping setting or optimizer
  state (a rollback, a restored run) is captured anew (`key`);
- a capturable optimizer (Adam fused and RMSprop with capturable=True; fused SGD needs nothing);
- a few steps on the capture's side stream first, so that lazy state (cuDNN plans, cuBLAS workspaces,
  the optimizer's moments) is made outside the capture.
The statistics are the graph's own buffer, overwritten by each replay: each step's are copied on the device.
"""

from __future__ import annotations

import torch
from torch import Tensor

from rnnplay.tasks.base import Batch

WARMUP_STEPS = 3  # uncaptured steps on the side stream before the first capture


class GraphedStep:
    def __init__(self, trainer):
        self.tr = trainer
        self.off: str | None = None  # why this trainer's steps run uncaptured for good
        if trainer.task.kind == "seq2seq":
            self.off = "seq2seq: teacher forcing is drawn on the host every step"
        elif trainer.carry:
            self.off = "the recurrent state is carried from batch to batch"
        self.warm = 0
        self.graph: torch.cuda.CUDAGraph | None = None
        self.key: tuple | None = None
        self.inputs: tuple[Tensor, Tensor] | None = None  # the batch buffers the graph reads
        self.stats: Tensor | None = None  # the statistics buffer it writes
        self.side = torch.cuda.Stream(device=trainer.device)
        self.captures = self.replays = 0

    def run(self, batch: Batch) -> Tensor | None:
        """This step (its batch already on the device, its learning rate set) through the graph: a copy of
        its statistics [loss, metric, norm, norm after clipping], or None when it must run in Python."""
        if batch.lengths is not None:
            self.off = "batches of variable length (packed)"
        if self.off is not None:
            return None
        if self.warm < WARMUP_STEPS:
            self.warm += 1
            return self._on_side_stream(batch)
        key = self._key(batch)
        if key != self.key:
            try:
                self._capture(key)
            except Exception as e:  # an operation this torch cannot capture: the step runs as it always did
                self.graph, self.key, self.off = None, None, f"capture failed: {type(e).__name__}: {e}"
                return None
        self.inputs[0].copy_(batch.x)
        self.inputs[1].copy_(batch.y)
        self.graph.replay()
        self.replays += 1
        return self.stats.clone()

    def reset(self) -> None:
        """Forget the captured step (the optimizer's state was replaced): the next step captures anew."""
        self.graph = self.key = None

    def _key(self, batch: Batch) -> tuple:
        """Everything the captured step took from the host: shapes, the rates, the clipping, the tensors
        of the weights and of the optimizer's state (a rollback or a restore replaces those)."""
        tr, opt = self.tr, self.tr.optimizer
        state = tuple(id(v) for st in opt.state.values() for v in st.values() if torch.is_tensor(v))
        return (
            tuple(batch.x.shape),
            batch.x.dtype,
            tuple(batch.y.shape),
            batch.y.dtype,
            tuple(g["lr"] for g in opt.param_groups),
            tr.clip_mode,
            tr.clip,
            tuple(id(p) for p in tr.params),
            state,
        )

    def _step(self, batch: Batch) -> Tensor:
        stats = self.tr._compute(batch, fresh=True)
        self.tr.optimizer.step()
        return stats

    def _on_side_stream(self, batch: Batch) -> Tensor:
        """One uncaptured step on the capture's stream (as PyTorch's whole-network capture warms up)."""
        main = torch.cuda.current_stream(self.tr.device)
        self.side.wait_stream(main)
        with torch.cuda.stream(self.side):
            stats = self._step(batch)
        main.wait_stream(self.side)
        return stats

    def _capture(self, key: tuple) -> None:
        """Record one step into a new graph (nothing runs yet). Its gradients, activations and statistics
        live in the graph's memory pool, at the addresses every replay writes."""
        tr = self.tr
        self.graph = None  # the old graph's memory first
        x, y = key[0], key[2]
        self.inputs = (
            torch.zeros(x, dtype=key[1], device=tr.device),
            torch.zeros(y, dtype=key[3], device=tr.device),
        )
        graph = torch.cuda.CUDAGraph()
        tr.optimizer.zero_grad(set_to_none=True)
        # thread_local: other runs' threads go on launching and allocating while this one captures
        with torch.cuda.graph(graph, stream=self.side, capture_error_mode="thread_local"):
            self.stats = self._step(Batch(*self.inputs))
        self.graph, self.key = graph, key
        self.captures += 1
