"""`python -m tapegrad.coverage`: torch's own lists, tapegrad's names, the exclusion rules."""

from __future__ import annotations

import torch

import tapegrad as tg
from tapegrad import coverage


def test_counts_names_from_torch_and_tapegrad():
    had, missing = coverage.coverage("torch")
    assert "matmul" in had and "exp" in had
    assert set(had) | set(missing) == set(coverage.torch_names("torch"))
    assert not set(had) & set(missing)
    for name in missing:
        assert hasattr(torch, name) and not hasattr(tg, name), name
    had, _ = coverage.coverage("Tensor")
    assert "backward" in had and "T" in had


def test_exclusions_are_internals():
    names = coverage.torch_names("torch")
    assert not [n for n in names if n.startswith("_") and not n.startswith("__")]
    assert not [n for n in names if "sparse" in n or "quantize" in n or n.endswith("_copy")]
    assert "linspace" in coverage.torch_names("torch") or "linspace" not in dir(torch)


def test_cli_prints_every_namespace(capsys):
    assert coverage.main([]) == 0
    out = capsys.readouterr().out
    for ns in coverage.NAMESPACES:
        assert ns in out
    assert coverage.main(["--missing", "special"]) == 0
    missing = capsys.readouterr().out.split()
    assert set(missing) == set(coverage.coverage("special")[1])


def test_readme_shows_the_current_table():
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    table = re.search(r"<!-- coverage:start -->\n(.*?)\n<!-- coverage:end -->", readme, re.S)
    assert table is not None and table.group(1).strip() == coverage.markdown(), \
        "README's coverage table is stale: `python -m tapegrad.coverage --markdown`"
