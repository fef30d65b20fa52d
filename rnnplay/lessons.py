"""S2/S6 lessons: curated share links with a narrative, playable as a narrated, auto-paced sequence.

A lesson opens a page (the Playground or the Gradient lab) with its URL parameters and walks through
steps: each step says one thing, may act on the run (train, pause, resume) when it begins, may point
at one chart (by the chart's Streamlit key), and says when auto-play moves on (`Until`). The pacing is
the pure function `next_step`, so it is tested without Streamlit; app_pages/narrator.py draws it.

Every sentence a learner reads lives in this file (the lessons below, `UI` and `CHART_LABELS`), in
English and marked with `N_()`: the pages show them with `tr(...)`, and their Chinese is in
rnnplay/i18n/zh_lessons.py. No torch here: Home imports this module and paints before torch loads.
The step counts are measured: each lesson shows its point within 60 s on one CPU thread (see
tests/test_lessons.py and the figures in the comments).
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnplay.i18n import N_

TERMINAL = ("done", "stopped", "diverged", "error")  # states after which a run trains no more
ACTIONS = ("train", "pause", "resume")


@dataclass(frozen=True)
class Until:
    """When auto-play leaves a step: after `steps` training steps (of the slowest run of a race), once
    the run has ended, or after `seconds` of reading. A run that ended early also ends a steps wait,
    so a diverged run never leaves the lesson waiting for steps that will not come."""

    steps: int | None = None
    finished: bool = False
    seconds: float | None = None

    def holds(self, steps_done: int, state: str, elapsed_s: float) -> bool:
        if self.seconds is not None:
            return elapsed_s >= self.seconds
        if self.finished:
            return state in TERMINAL
        return state in TERMINAL or (self.steps is not None and steps_done >= self.steps)


def after_steps(n: int) -> Until:
    return Until(steps=n)


def finished() -> Until:
    return Until(finished=True)


def reading(seconds: float) -> Until:
    return Until(seconds=seconds)


@dataclass(frozen=True)
class Step:
    """One sentence of a lesson. `action` is done to the run when the step begins (train = start, or
    resume a paused run); `point_at` is the key of the chart to look at; `until=None` means the time it
    takes to read `say` (see reading_seconds)."""

    say: str
    until: Until | None = None
    action: str | None = None
    point_at: str | None = None

    def __post_init__(self):
        if self.action is not None and self.action not in ACTIONS:
            raise ValueError(f"action={self.action!r} is not allowed: one of {', '.join(ACTIONS)} or None")


@dataclass(frozen=True)
class Lesson:
    """A curated configuration (`params`, the page's URL query parameters) and its narrated steps."""

    id: str
    title: str
    summary: str  # two lines for the Home card: what happens and what to look at
    page: str  # "playground" | "gradients"
    params: dict
    steps: tuple[Step, ...]

    @property
    def query_params(self) -> dict[str, str]:
        """The link's query parameters: the configuration and the lesson id."""
        return {
            **{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in self.params.items()},
            "lesson": self.id,
        }


def reading_seconds(text: str) -> float:
    """How long auto-play lets a sentence stand: about 3 words a second (read aloud to a class), 5–20 s."""
    return min(20.0, max(5.0, 2.0 + len(text.split()) / 3.0))


def next_step(lesson: Lesson, index: int, steps_done: int, state: str, elapsed_s: float = 0.0) -> int:
    """The step auto-play shows next: index + 1 once the current step's condition holds and its sentence
    has stood long enough to be read (elapsed_s: seconds since the step began; a run that is already past
    the condition must not flash the steps by), else index. The last step stays: free play follows it."""
    index = max(0, min(index, len(lesson.steps) - 1))
    if index == len(lesson.steps) - 1:
        return index
    step = lesson.steps[index]
    if step.until is None or step.until.seconds is not None:
        until = step.until or reading(reading_seconds(step.say))
        return index + 1 if until.holds(steps_done, state, elapsed_s) else index
    read = elapsed_s >= reading_seconds(step.say)
    return index + 1 if read and step.until.holds(steps_done, state, elapsed_s) else index


# The lessons, in the order of S2. A Gradient-lab lesson opens one of its race demos (?race=<id>,
# rnnplay.race.PRESETS; e1..e4 override its entries); its chart keys are loss, gtt, gtt_heatmap,
# spectral, singular, grad_norm, param_norms. The Playground's are loss, metric, grad_norm, gtt,
# gtt_heatmap, hidden, task_view, spectral. Step counts follow measured wall times of the whole page
# (probes included) on one shared, busy CPU thread:
# - vanishing with the demo's 64 units, lr 3e-3: GRU below chance/2 at 18 s (step 340), LSTM at 42 s
#   (step 840) — too slow on a busy CPU, so the lesson races 32 units at lr 0.01 (CLI, one thread: LSTM
#   below chance/2 at step 450 in 1.7 s, GRU at step 200; the RNN at chance after 1500 steps);
# - exploding: no clip diverges at step 2 (0.3 s); clipped, validation MSE 0.03 (chance 0.167) in 4 s;
# - bidirectional: validation loss 0.0004 vs 0.24 (forward limit 0.25) in 4 s;
# - copy (the demo's 96 units, lr 0.01): the LSTM below the 0.693 line from step ~1500 (~40 s), the RNN
#   at 1.2 throughout; the lesson races 64 units at lr 0.02 (below the line by step ~750);
# - random: train accuracy 1.0, validation 0.49 after 1000 steps (2.3 s); hello: 200 steps in < 1 s.
LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="vanishing",
        title=N_("Vanishing gradients: RNN vs LSTM vs GRU"),
        summary=N_(
            "Three networks must add two numbers marked up to 50 steps apart. The RNN's loss stays on the "
            "chance line while the LSTM and GRU fall below it; the heatmaps show why."
        ),
        page="gradients",
        # the demo's race with 32 units and lr 0.01: LSTM and GRU leave the chance line by step ~450 and ~200
        # (2-4x sooner than with 64 units and lr 3e-3), the RNN stays on it; 1500 steps each
        params={
            "race": "vanishing",
            "steps": 1500,
            "e1": "arch:rnn,hidden_size:32,lr:0.01",
            "e2": "arch:lstm,hidden_size:32,lr:0.01",
            "e3": "arch:gru,hidden_size:32,lr:0.01",
        },
        steps=(
            Step(
                N_(
                    "Three networks, one dataset, one seed: a plain RNN, an LSTM and a GRU. Each reads 50 numbers "
                    "and must output the sum of the two marked ones. The dashed line is chance: always answering 1 "
                    "gives a mean squared error of 1/6."
                ),
                point_at="loss",
            ),
            Step(
                N_("Training all three, taking turns on the CPU. Watch the loss curves against the chance line."),
                until=after_steps(250),
                action="train",
                point_at="loss",
            ),
            Step(
                N_(
                    "The gradient through time ‖∂L/∂hₜ‖: for the RNN it falls by orders of magnitude toward t = 1, "
                    "so the first marked number sends almost no learning signal back. The LSTM's and GRU's curves "
                    "stay high across all 50 steps."
                ),
                until=after_steps(600),
                point_at="gtt",
            ),
            Step(
                N_(
                    "Within a few hundred steps the GRU, then the LSTM, drop far below the chance line: they found "
                    "the two numbers. The RNN is still on the line — it cannot learn what its gradient cannot reach."
                ),
                until=after_steps(900),
                point_at="loss",
            ),
            Step(
                N_(
                    "The heatmaps replay the same story over training (x = time step, y = training step, one colour "
                    "scale): the RNN's map goes dark a few steps back from the end, the LSTM's and GRU's stay bright "
                    "back to t = 1."
                ),
                until=finished(),
                point_at="gtt_heatmap",
            ),
            Step(
                N_(
                    "Your turn: shorten T to 10 and the RNN learns too; or keep T = 50 and try an orthogonal "
                    "initialisation. Free play keeps everything as it is."
                ),
            ),
        ),
    ),
    Lesson(
        id="exploding",
        title=N_("Exploding gradients and clipping"),
        summary=N_(
            "A ReLU RNN whose recurrent weights start as 1.2 × the identity, trained with SGD: without clipping "
            "its gradient explodes and training stops; with norm clipping the same run trains."
        ),
        page="gradients",
        params={"race": "exploding"},
        steps=(
            Step(
                N_(
                    "Two identical ReLU RNNs whose recurrent matrix starts at 1.2 × identity (spectral radius 1.2): "
                    "every step back in time multiplies the gradient by about 1.2, twenty steps by 38. Both use "
                    "SGD; one trains without clipping, one clips the gradient's norm at 1."
                ),
                point_at="spectral",
            ),
            Step(
                N_("Train both and watch the gradient norms."),
                until=after_steps(50),
                action="train",
                point_at="grad_norm",
            ),
            Step(
                N_(
                    "Without clipping the very first gradient has a norm in the thousands; one SGD step with it "
                    "throws the weights so far that the next loss is infinite, and the run stops with the message "
                    "above the charts. That is an exploding gradient."
                ),
                until=after_steps(300),
                point_at="grad_norm",
            ),
            Step(
                N_(
                    "With clipping the same huge gradient is scaled back to norm 1 before the update (its chart "
                    "shows the norm before and after clipping), so the run keeps training and its loss falls far "
                    "below chance."
                ),
                until=finished(),
                point_at="loss",
            ),
            Step(
                N_(
                    "Your turn: raise the clipping threshold, or lower the init gain below 1 and the explosion "
                    "turns into a vanishing gradient."
                ),
            ),
        ),
    ),
    Lesson(
        id="bidirectional",
        title=N_("Bidirectional helps tagging"),
        summary=N_(
            "Tag each word; can, fly, watch and duck need the NEXT word to be tagged. A left-to-right RNN's "
            "loss stops at the line of the best forward guess; a bidirectional one reads ahead and goes to zero."
        ),
        page="gradients",
        params={"race": "bidirectional"},
        steps=(
            Step(
                N_(
                    "“watch the duck” — watch is a verb; “duck watch fly” — now watch is a noun. An ambiguous "
                    "word's tag depends on the word after it. Two RNNs race on the same sentences: one reads left "
                    "to right, one in both directions."
                ),
                point_at="loss",
            ),
            Step(
                N_("Training both."),
                until=after_steps(150),
                action="train",
                point_at="loss",
            ),
            Step(
                N_(
                    "The dashed line is the best a left-to-right reader can do: tag every fixed word right and guess "
                    "at can, fly, watch and duck (about 84% of words right). The left-to-right RNN stops on that line; "
                    "the bidirectional one has read the next word and its loss goes to zero."
                ),
                until=finished(),
                point_at="loss",
            ),
            Step(
                N_("Your turn: in the Playground type your own sentence into Try it, with Bidirectional on and off."),
            ),
        ),
    ),
    Lesson(
        id="random",
        title=N_("Overfitting random labels"),
        summary=N_(
            "Noise sequences with coin-flip labels: nothing to learn, yet training accuracy climbs to 100% while "
            "validation stays at 50% — the network memorised."
        ),
        page="playground",
        params={"task": "random"},
        steps=(
            Step(
                N_(
                    "128 sequences of pure noise, each with a random label. There is no rule to find: the best "
                    "any model can do on new sequences is 50%."
                ),
                point_at="task_view",
            ),
            Step(
                N_("Train and watch the accuracy: training (blue) against validation (orange)."),
                until=after_steps(600),
                action="train",
                point_at="metric",
            ),
            Step(
                N_(
                    "Training accuracy climbs toward 100% while validation stays on the chance line, and the "
                    "validation loss rises: the network memorised 128 answers. That gap is overfitting."
                ),
                until=finished(),
                point_at="metric",
            ),
            Step(
                N_("The task view says it in two bars: memorised ~100% of the training set, ~50% of fresh sequences."),
                point_at="task_view",
            ),
            Step(
                N_(
                    "Your turn: set Sequences to memorise to 2000, or the hidden size to 4, and see memorising get "
                    "harder."
                ),
            ),
        ),
    ),
    Lesson(
        id="hello",
        title=N_("hello → elloh"),
        summary=N_(
            "The course's first character-level RNN: eight hidden units learn to predict the next character of "
            "'hello' in a few seconds."
        ),
        page="playground",
        params={"task": "charlm", "text": "hello"},
        steps=(
            Step(
                N_(
                    "The network reads h, e, l, l, o one character at a time and must predict the next one: the "
                    "target is “elloh”. The tricky part: after the first l comes l, after the second comes o — only "
                    "the hidden state can tell them apart."
                ),
                point_at="task_view",
            ),
            Step(
                N_("Train: 200 steps of one sequence each."),
                until=after_steps(100),
                action="train",
                point_at="loss",
            ),
            Step(
                N_("The loss drops far below chance (guessing among 4 characters)."),
                until=finished(),
                point_at="loss",
            ),
            Step(
                N_(
                    "The prediction now reads “elloh”: the hidden state remembered how many l's it had seen. "
                    "Sampling from the model repeats hello."
                ),
                point_at="task_view",
            ),
            Step(
                N_("Your turn: type a longer text, or open a built-in corpus (Shakespeare's sonnets, Tang poems)."),
            ),
        ),
    ),
    Lesson(
        id="copy",
        title=N_("Gates that remember: the copy task"),
        summary=N_(
            "Recall ten symbols after a delay of blanks. An LSTM's gates hold them; a plain RNN of the same size "
            "forgets them."
        ),
        page="gradients",
        # the demo's LSTM and RNN with 64 units at lr 0.02: the LSTM is below the line by step ~750 (CLI: 0.58
        # in 3.6 s), twice as soon as with 96 units at lr 0.01; the RNN stays at 1.2-1.5; 3000 steps each
        params={
            "race": "copy",
            "steps": 3000,
            "e1": "arch:lstm,hidden_size:64,lr:0.02",
            "e2": "arch:rnn,hidden_size:64,lr:0.02",
        },
        steps=(
            Step(
                N_(
                    "Ten random symbols, then a run of blanks, then a signal: now write the ten symbols back. An LSTM "
                    "and a plain RNN race on the same data."
                ),
                point_at="loss",
            ),
            Step(
                N_("Training both, taking turns on the CPU."),
                until=after_steps(800),
                action="train",
                point_at="loss",
            ),
            Step(
                N_(
                    "The dashed line is the loss of the best guess that remembers nothing. The LSTM goes below "
                    "it: its forget gate stays near 1, so the cell state carries the symbols across the delay. The "
                    "RNN never gets below the line: by the time the signal comes, the symbols have faded from its "
                    "hidden state."
                ),
                until=finished(),
                point_at="loss",
            ),
            Step(N_("Your turn: make the delay longer, or give the RNN more units, and race again.")),
        ),
    ),
)

BY_ID: dict[str, Lesson] = {lesson.id: lesson for lesson in LESSONS}

# the narrator panel's own words (app_pages/narrator.py) and the Home section's
UI = {
    "home_heading": N_("Lessons"),
    "home_caption": N_(
        "Each opens a page set up for one idea and narrates what to look at; press Auto-play, or step "
        "through with Next. Free play is one click away."
    ),
    "open": N_("Open the lesson"),
    "no_page": N_("(needs the {page} page, which this app does not list)"),
    "page_playground": N_("Playground"),
    "page_gradients": N_("Gradient lab"),
    "lesson": N_("Lesson: {title}"),
    "step": N_("step {i} of {n}"),
    "look_at": N_("Look at: {chart}"),
    "back": N_("Back"),
    "next": N_("Next"),
    "auto": N_("Auto-play"),
    "auto_stop": N_("Stop auto-play"),
    "free": N_("Free play"),
    "free_help": N_("Leave the lesson; the settings and the run stay as they are."),
    "unknown": N_("Unknown lesson {id!r} in the link: the lessons are {ids}."),
    "other_page": N_("Lesson {id!r} belongs on the {page} page."),
    "differs": N_("This page's settings differ from the lesson's ({fields})."),
    "restart": N_("Open the lesson with its settings"),
    "waiting_steps": N_("next after step {n}"),
    "waiting_finished": N_("next when training ends"),
}

# short names of the charts a step points at, by chart key
CHART_LABELS = {
    "loss": N_("the loss chart"),
    "metric": N_("the metric (accuracy) chart"),
    "grad_norm": N_("the gradient-norm chart"),
    "gtt": N_("the gradient through time ‖∂L/∂hₜ‖"),
    "gtt_heatmap": N_("the gradient-through-time heatmaps"),
    "hidden": N_("the hidden activations"),
    "task_view": N_("the task view"),
    "spectral": N_("the spectral radius of W_hh"),
    "singular": N_("the singular values of W_hh"),
    "param_norms": N_("the gradient norm per parameter tensor"),
}
