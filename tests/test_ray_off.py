"""Without RNNPLAY_RAY the app trains in threads of its own process and never imports ray."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import sys
from app_pages.ui import session_run
from rnnplay.config import make_config
from rnnplay.run.training_run import TrainingRun
run = session_run.new_run(make_config("majority", hidden_size=4, seq_len=4, batch_size=4))
run.step_one()
print(type(run) is TrainingRun, session_run.run_class() is TrainingRun, "ray" in sys.modules)
"""


def test_without_the_setting_runs_are_threads_and_ray_is_never_imported():
    env = {k: v for k, v in os.environ.items() if not k.startswith("RNNPLAY_RAY")}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "False"]
