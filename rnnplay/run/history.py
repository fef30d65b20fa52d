"""A run's per-step statistics, kept to a bounded number of rows however long it trains."""

from __future__ import annotations

from rnnplay.run.snapshot import COLUMNS
from rnnplay.trainer import StepStats


def thin(rows: list, cap: int) -> list:
    """Every other row once there are more than cap, always keeping the first and the latest."""
    if len(rows) <= cap:
        return rows
    return rows[:1] + rows[2:-1:2] + rows[-1:]


class History:
    """Per-step columns kept to at most `cap` rows: each row is the mean of a bucket of `stride`
    steps; when full, neighbouring rows merge and the stride doubles (memory stays bounded).
    `version` changes whenever the rows do, so a reader copies them again only then."""

    def __init__(self, cap: int = 1000):
        self.cap, self.stride = cap, 1
        self.rows: dict[str, list[float]] = {c: [] for c in COLUMNS}
        self._bucket: list[StepStats] = []
        self.version = 0

    def add(self, s: StepStats) -> None:
        self._bucket.append(s)
        self.version += 1
        if len(self._bucket) >= self.stride:
            self._flush()

    @staticmethod
    def _append_mean(rows: dict[str, list[float]], bucket: list[StepStats]) -> None:
        """One row for a bucket of steps: its last step number and the mean of every column."""
        rows["step"].append(bucket[-1].step)
        for c in COLUMNS[1:]:
            rows[c].append(sum(getattr(s, c) for s in bucket) / len(bucket))

    def _flush(self) -> None:
        b, self._bucket = self._bucket, []
        self._append_mean(self.rows, b)
        if len(self.rows["step"]) > self.cap:
            for c, v in self.rows.items():
                pairs = [v[i : i + 2] for i in range(0, len(v), 2)]
                self.rows[c] = [p[-1] if c == "step" else sum(p) / len(p) for p in pairs]
            self.stride *= 2

    def copy(self) -> dict[str, list[float]]:
        rows = {c: list(v) for c, v in self.rows.items()}
        if self._bucket:  # the partial bucket too, so the chart shows the latest step
            self._append_mean(rows, self._bucket)
        return rows

    def state_dict(self) -> dict:
        """Everything needed to go on exactly where it is (the stored run): rows, stride, the partial bucket."""
        return {"stride": self.stride, "rows": self.rows, "bucket": [vars(s) for s in self._bucket]}

    def load_state_dict(self, state: dict) -> None:
        self.stride = int(state["stride"])
        self.rows = {c: list(state["rows"][c]) for c in COLUMNS}
        self._bucket = [StepStats(**s) for s in state["bucket"]]
        self.version += 1
