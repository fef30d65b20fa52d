"""wave (course): one-to-many generation of a waveform from a one-hot class vector.

The input holds the class (sine, square, triangle, sawtooth) as a one-hot vector at step 0 and
zeros afterwards, so the network must carry the class in its hidden state and unroll the wave from
it: every later output comes from memory alone. Each class has its own period, all amplitude 1 and
the same phase; the targets carry a little Gaussian noise, so validation draws differ from training ones.
"""

from __future__ import annotations

import torch

from rnnplay.i18n import N_, Msg
from rnnplay.tasks.base import Batch, Task, source_of

WAVES = (N_("sine"), N_("square"), N_("triangle"), N_("sawtooth"))  # names, and the try-it choices
PERIODS = {"sine": 16, "square": 12, "triangle": 20, "sawtooth": 10}  # in time steps
NOISE = 0.05  # standard deviation of the noise on the targets


def waveform(name: str, T: int) -> torch.Tensor:
    """(T,) the clean wave of one class, amplitude 1; all start their first half-period high (square at +1)."""
    u = torch.arange(T, dtype=torch.float32) / PERIODS[name] % 1  # phase in [0, 1)
    if name == "sine":
        return torch.sin(2 * torch.pi * u)
    if name == "square":
        return torch.where(u < 0.5, 1.0, -1.0)
    if name == "triangle":
        return 4 * ((u - 0.25) % 1 - 0.5).abs() - 1
    return 2 * ((u + 0.5) % 1) - 1  # sawtooth


def noisy_waves(n, gen, clean):
    """n classes drawn at random -> x (B, T, C): the one-hot class at step 0, zeros afterwards; y (B, T, 1):
    the class's clean wave (clean (C, T)) plus noise."""
    C, T = clean.shape
    classes = torch.randint(0, C, (n,), generator=gen)
    y = clean[classes] + NOISE * torch.randn(n, T, generator=gen)  # (B, T)
    x = torch.zeros(n, T, C)
    x[:, 0] = torch.nn.functional.one_hot(classes, C).float()
    return x, y.unsqueeze(-1)


# the exported script's glue around waveform and noisy_waves (their source is copied in by script_code)
SCRIPT_GLUE = """
WAVES = {waves!r}
PERIODS = {periods!r}  # in time steps
NOISE = {noise!r}  # standard deviation of the noise on the targets
INPUT_SIZE, OUTPUT_SIZE, MANY_TO_ONE = len(WAVES), 1, False


{source}


CLEAN = torch.stack([waveform(w, SEQ_LEN) for w in WAVES])  # (C, T)


def sample(n, gen):
    return noisy_waves(n, gen, CLEAN)


def loss_fn(out, y):
    return F.mse_loss(out, y)
"""


class Wave(Task):
    name = "wave"
    kind = "one-to-many"
    description = N_("from a one-hot class (sine/square/triangle/sawtooth) generate its waveform")
    card = N_("From a one-hot class to a whole waveform: sine, square, triangle, sawtooth.")  # Home's card
    learn_title = N_("wave — draw a waveform from its class")  # its link on the Learn page
    metric = "mse"
    allows_bidirectional = False  # generation: a backward pass has nothing to read, and would see the future
    bidirectional_refusal = N_(
        "it generates the wave step by step from the class given at step 1; "
        "a backward pass would start from the end it is meant to produce"
    )
    defaults = {"arch": "gru", "hidden_size": 64, "lr": 1e-2, "batch_size": 32, "steps": 400, "seq_len": 40}
    try_it_label = N_("Waveform to generate")
    try_it_choices = WAVES
    own_input_help = N_("a waveform: sine, square, triangle or sawtooth")

    @classmethod
    def script_code(cls, config) -> str:
        source = source_of(waveform, noisy_waves)
        return SCRIPT_GLUE.format(waves=tuple(WAVES), periods=PERIODS, noise=NOISE, source=source)

    def __init__(self, config):
        super().__init__(config)
        self.input_size, self.output_size = len(WAVES), 1
        self.clean = torch.stack([waveform(w, self.seq_len) for w in WAVES])  # (C, T)
        # a model without memory sees zeros after step 0 and can only answer a constant: at best the
        # mean, whose MSE is the variance of the targets (classes equally likely, noise included)
        self.chance = self.chance_loss = float(self.clean.var(unbiased=False)) + NOISE**2

    def inputs(self, classes: torch.Tensor) -> torch.Tensor:
        """(B,) class ids -> (B, T, C): the one-hot class at step 0, zeros afterwards."""
        x = torch.zeros(len(classes), self.seq_len, len(WAVES))
        x[:, 0] = torch.nn.functional.one_hot(classes, len(WAVES)).float()
        return x

    def sample(self, n: int, gen: torch.Generator) -> Batch:
        return Batch(*noisy_waves(n, gen, self.clean))  # x (B, T, C), y (B, T, 1)

    def input_labels(self, x: torch.Tensor) -> list[str]:
        first = WAVES[int(x[0].argmax())] if x[0].any() else "·"
        return [first] + ["·"] * (x.shape[0] - 1)

    @torch.no_grad()
    def lines(self, model, device, names: tuple[str, ...], title: Msg) -> dict:
        """The model's generated wave (solid) and the true one (dashed) for each named class."""
        model.eval()
        classes = torch.tensor([WAVES.index(n) for n in names])
        out = model(self.inputs(classes).to(device))[..., 0].cpu()  # (len(names), T)
        t = list(range(1, self.seq_len + 1))
        series = []
        for i, n in enumerate(names):
            generated, true = Msg(N_("{wave}: generated"), wave=Msg(n)), Msg(N_("{wave}: true"), wave=Msg(n))
            series.append({"name": generated, "x": t, "y": out[i].tolist()})
            series.append({"name": true, "x": t, "y": self.clean[classes[i]].tolist(), "dash": "dash"})
        return {
            "kind": "lines",
            "title": title,
            "x_title": Msg(N_("time step")),
            "y_title": Msg(N_("value")),
            "series": series,
        }

    def view(self, model, device) -> dict:
        title = Msg(N_("Generated from the class at step 0 (solid) vs the true waves (dashed)"))
        return self.lines(model, device, WAVES, title)

    def wave_name(self, text: str) -> str:
        """The learner's choice of waveform, or ValueError naming the allowed ones."""
        name = text.strip().lower()
        if name not in WAVES:
            raise ValueError(
                Msg(
                    N_("wave input: {text!r} is not a waveform; choose one of {waves}"),
                    text=text,
                    waves=", ".join(WAVES),
                )
            )
        return name

    def own_input(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        k = WAVES.index(self.wave_name(text))
        return self.inputs(torch.tensor([k])), self.clean[k : k + 1].unsqueeze(-1)  # (1, T, C), (1, T, 1)

    def try_it(self, model, device, text: str) -> dict:
        name = self.wave_name(text)
        title = Msg(N_("{wave}: generated (solid) vs true (dashed)"), wave=Msg(name))
        return self.lines(model, device, (name,), title)
