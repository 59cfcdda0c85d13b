"""The notebooks (percent-format .py, paired .ipynb) run cell by cell as Jupyter would run them,
show their pictures inline, stand alone in the repository, and their .ipynb is current."""

from __future__ import annotations

import ast
import json
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).parent.parent / "notebooks"
NOTEBOOKS = sorted(HERE.glob("[0-9]*.py"))
# What each notebook must show inline: (tg.viz pictures, matplotlib figures).
SHOWS = {"01_seed_programs": (2, 0), "02_training_digits": (0, 1),
         "03_eager_vs_functional": (0, 1)}


def _to_ipynb():
    sys.path.insert(0, str(HERE))
    try:
        import to_ipynb
    finally:
        sys.path.pop(0)
    return to_ipynb


def _run_cells(path: pathlib.Path) -> list[object]:
    """Run the code cells in one namespace; return what Jupyter would display as each cell's
    result (the value of a cell's last line when it is an expression, not None)."""
    namespace: dict = {"__name__": "__main__"}
    shown = []
    for cell in _to_ipynb().cells(path):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]), str(path))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, str(path), "exec"), namespace)  # noqa: S102 - a notebook cell
        if last is not None:
            value = eval(compile(ast.Expression(last.value), str(path), "eval"), namespace)
            if value is not None:
                shown.append(value)
    return shown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_shows_its_pictures_inline(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything written lands here, not in the repository
    # The test, not the notebook, picks a non-interactive backend.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt

    if plt.get_backend().lower() != "agg":
        plt.switch_backend("Agg")
    plt.close("all")
    figures = []

    def show(*args, **kwargs):  # what a notebook's plt.show() would put on screen
        figures.extend(plt.figure(n) for n in plt.get_fignums())
        plt.close("all")

    monkeypatch.setattr(plt, "show", show)
    shown = _run_cells(path)
    plt.close("all")
    pictures = [v for v in shown if hasattr(v, "_repr_svg_")]
    assert (len(pictures), len(figures)) == SHOWS[path.stem]
    for picture in pictures:
        svg = picture._repr_svg_()
        assert svg.startswith("<svg") and "AccumulateGrad" in svg
        assert len(repr(picture)) < 120  # a REPL prints a line, not the SVG
    for figure in figures:
        assert figure.axes and all(ax.has_data() for ax in figure.axes)
    assert list(tmp_path.iterdir()) == []  # shown, not saved into files


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_stands_alone(path):
    source = path.read_text()
    for outside in ("../shared", "shared/seeds", "savefig", "matplotlib.use"):
        assert outside not in source, f"{path.name} uses {outside!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_paired_ipynb_is_up_to_date(path):
    stored = json.loads(path.with_suffix(".ipynb").read_text())
    assert stored == _to_ipynb().notebook(path), \
        f"run python notebooks/to_ipynb.py to refresh {path.stem}.ipynb"
