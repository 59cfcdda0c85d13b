"""`python -m tapegrad.parity` prints the per-area table and exits 0 when all seeds match."""

from __future__ import annotations

import subprocess
import sys


def test_parity_cli_reports_every_seed_document_identical():
    out = subprocess.run([sys.executable, "-m", "tapegrad.parity"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    rows = [line for line in out.stdout.splitlines() if line.startswith("| 00")]
    assert [r.split("|")[1].strip() for r in rows] == ["000", "001", "002", "003", "004"]
    for r in rows:
        cells = [c.strip() for c in r.split("|")]
        assert cells[3] == cells[4], r  # programs == identical
