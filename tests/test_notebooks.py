"""The notebooks (percent-format .py, paired .ipynb) execute and their .ipynb is current."""

from __future__ import annotations

import json
import pathlib
import runpy
import sys

import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).parent.parent / "notebooks").glob("[0-9]*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # plots are written here, not into the repository
    runpy.run_path(str(path), run_name="__main__")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_paired_ipynb_is_up_to_date(path):
    sys.path.insert(0, str(path.parent))
    try:
        import to_ipynb
    finally:
        sys.path.pop(0)
    stored = json.loads(path.with_suffix(".ipynb").read_text())
    fresh_path = path.with_suffix(".fresh.ipynb")
    try:
        to_ipynb.convert(path)
        fresh = json.loads(path.with_suffix(".ipynb").read_text())
    finally:
        fresh_path.unlink(missing_ok=True)
    assert stored == fresh, f"run python notebooks/to_ipynb.py to refresh {path.stem}.ipynb"
