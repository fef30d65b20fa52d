"""random (course): random sequences with random labels, the overfitting lesson.

The training set is a fixed pool of dataset_size Gaussian-noise sequences (input_size numbers per
step; the course's example: 1000 sequences of 10 steps of 5 numbers), each with a coin-flip label;
training batches are drawn from that pool, so a big enough network memorises it and its training
accuracy climbs to 1. Validation sequences are fresh noise with fresh coin flips: there is
nothing to generalise, so validation accuracy stays at chance (0.5) however long it trains.
"""

from __future__ import annotations

import functools
import math

import torch

from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import VAL_SEED_OFFSET, Batch, Task, source_of

DATA_SEED_OFFSET = 3_000_017  # the memorised pool has its own stream, apart from the batch order
# the view scores the memorised pool on at most this many of its sequences, VIEW_CHUNK at a time: a pool
# of 100,000 sequences of 400 steps in one forward pass would need gigabytes (and the view runs every second)
VIEW_POOL, VIEW_CHUNK = 2048, 512


def noise_with_coin_flips(n, gen, seq_len, input_size):
    """n Gaussian-noise sequences x (B, T, I) with coin-flip labels y (B,)."""
    x = torch.randn(n, seq_len, input_size, generator=gen)  # (B, T, I)
    y = torch.randint(0, 2, (n,), generator=gen)  # (B,)
    return x, y


# the exported script's glue around noise_with_coin_flips (its source is copied in by script_code)
SCRIPT_GLUE = """
OUTPUT_SIZE, MANY_TO_ONE = 2, True
DATA_SEED_OFFSET = {offset!r}  # the memorised pool has its own random stream


{source}


POOL_X, POOL_Y = noise_with_coin_flips(
    DATASET_SIZE, torch.Generator().manual_seed(SEED + DATA_SEED_OFFSET), SEQ_LEN, INPUT_SIZE
)


def sample(n, gen):
    \"\"\"Random labels: batches drawn from a fixed pool, which a big enough network memorises.\"\"\"
    idx = torch.randint(0, DATASET_SIZE, (n,), generator=gen)
    return POOL_X[idx], POOL_Y[idx]


def loss_fn(out, y):
    return F.cross_entropy(out, y)
"""


class RandomLabels(Task):
    name = "random"
    finite_data = True  # batches are drawn from a fixed training set
    kind = "many-to-one"
    description = N_("random noise with random labels: training accuracy climbs, validation stays at chance")
    card = N_(
        "Random labels: training accuracy climbs to 1 while validation stays at chance — memorising."
    )  # Home's card
    learn_title = N_("random — random labels: memorising, not learning")  # its link on the Learn page
    learn_links = (
        (
            "mistakes",
            N_("Training vs held-out accuracy: the course's 1000 random sequences of 5 numbers"),
            {"input_size": "5", "dataset_size": "1000", "lr": "0.001", "steps": "320"},
        ),
    )
    metric = "accuracy"
    defaults = {"hidden_size": 64, "lr": 3e-3, "batch_size": 32, "steps": 1000, "seq_len": 10, "dataset_size": 128}
    # the validation accuracy of any model is Binomial(n, 1/2) / n: n = 2048 keeps its spread at ±0.011,
    # so a 0.05 gap from chance is a real effect, not luck of the draw
    val_size = 2048

    @classmethod
    def data_bytes(cls, config) -> int:
        """The pool: dataset_size float32 sequences of (T, input_size) and their int64 labels."""
        return config.dataset_size * (4 * config.seq_len * config.input_size + 8)

    @classmethod
    def script_code(cls, config) -> str:
        return SCRIPT_GLUE.format(offset=DATA_SEED_OFFSET, source=source_of(noise_with_coin_flips))

    @classmethod
    def script_constants(cls, config) -> str:
        return f"DATASET_SIZE = {config.dataset_size!r}\nINPUT_SIZE = {config.input_size!r}  # numbers per time step"

    def __init__(self, config):
        super().__init__(config)
        self.input_size, self.output_size = config.input_size, 2
        self.chance, self.chance_loss = 0.5, math.log(2)  # labels are coin flips: nothing beats guessing
        self.dataset_size = self.dataset_len = config.dataset_size

    @functools.cached_property
    def pool(self) -> Batch:
        """The memorised sequences, made at the first batch (not when a page builds the task to show it)."""
        return self.fresh(self.dataset_size, torch.Generator().manual_seed(self.config.seed + DATA_SEED_OFFSET))

    def fresh(self, n: int, gen: torch.Generator) -> Batch:
        """n new noise sequences with new coin-flip labels."""
        return Batch(*noise_with_coin_flips(n, gen, self.seq_len, self.input_size))

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        """n sequences drawn (with replacement) from the memorised pool."""
        idx = torch.randint(0, self.dataset_size, (n,), generator=gen)
        return Batch(self.pool.x[idx], self.pool.y[idx])

    def val_batch(self) -> Batch:
        return self.fresh(self.val_size, torch.Generator().manual_seed(self.config.seed + VAL_SEED_OFFSET))

    @torch.no_grad()
    def accuracy(self, model, device, batch: Batch) -> float:
        """The share of batch the model gets right, VIEW_CHUNK sequences per forward pass."""
        model.eval()
        right = sum(
            int((model(x.to(device)).argmax(-1).cpu() == y).sum())
            for x, y in zip(batch.x.split(VIEW_CHUNK), batch.y.split(VIEW_CHUNK), strict=True)
        )
        return right / len(batch.y)

    def view(self, model, device) -> dict:
        """Accuracy on the memorised pool (its first VIEW_POOL sequences) beside accuracy on fresh sequences."""
        n = min(self.dataset_size, VIEW_POOL)
        train = self.accuracy(model, device, Batch(self.pool.x[:n], self.pool.y[:n]))
        val = self.accuracy(model, device, self.val_batch())
        x = [
            Msg(N_("the {n} training sequences"), n=n),
            Msg(N_("{n} fresh sequences"), n=self.val_size),
        ]
        return {
            "kind": "bars",
            "title": Msg(
                N_("Memorised {train:.0%} of the training set; {val:.0%} of fresh sequences (chance 50%)"),
                train=train,
                val=val,
            ),
            "x": x,
            "y": [train, val],
            "y_title": Msg(N_("accuracy")),
            "y_range": [0, 1],
            "hline": self.chance,
            "hline_label": Msg(N_("chance")),
        }
