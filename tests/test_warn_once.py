"""Warnings torch gives once per process: tapegrad gives them once too, with torch's text.
Each program runs in a fresh interpreter under both libraries (see conftest.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import WARN_ONCE_PROGRAMS

SCRIPT = """
import warnings
import torch, tapegrad

def run(T):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
{body}
    return [str(w.message).split(" (Triggered internally")[0] for w in caught]

print(repr((run(torch), run(tapegrad))))
"""


@pytest.mark.parametrize("name", sorted(WARN_ONCE_PROGRAMS))
def test_warns_once_per_process_as_torch(name):
    body = textwrap.indent(WARN_ONCE_PROGRAMS[name], " " * 12)
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(body=body)], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    torch_warnings, tapegrad_warnings = eval(out.strip().splitlines()[-1])  # noqa: S307
    assert len(torch_warnings) == 1, torch_warnings
    assert tapegrad_warnings == torch_warnings
