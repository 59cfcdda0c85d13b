"""The README's demo command: `python -m tapegrad.demo` runs, and reports full parity."""

from __future__ import annotations

import subprocess
import sys

from tapegrad.testing.seeds import PROGRAMS


def test_demo_reports_parity_for_every_seed_and_the_training_run():
    out = subprocess.run([sys.executable, "-m", "tapegrad.demo"], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    n = len(PROGRAMS)
    assert f"Parity summary: {n}/{n} seed programs identical to torch" in out.stdout
    assert out.stdout.count("  parity: OK") == n + 1  # every seed, then the training run
    assert "DIFFERENT" not in out.stdout
    training = out.stdout[out.stdout.index("## training"):]
    assert "torch  tapegrad eager      tg.compile" in training
