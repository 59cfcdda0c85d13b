"""Write the paired .ipynb of each percent-format notebook script (`# %%` cells).

Run: python notebooks/to_ipynb.py   (no Jupyter needed; the .py files are the source)
"""

from __future__ import annotations

import json
import pathlib

HERE = pathlib.Path(__file__).parent


def cells(path: pathlib.Path) -> list[dict]:
    """The notebook cells of a percent-format script, in order."""
    out, kind, lines = [], None, []

    def flush():
        if kind is None:
            return
        text = "\n".join(lines).strip("\n")
        if kind == "markdown":
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                             for line in text.splitlines())
            out.append({"cell_type": "markdown", "metadata": {},
                          "source": text.splitlines(keepends=True)})
        else:
            out.append({"cell_type": "code", "metadata": {}, "execution_count": None,
                          "outputs": [], "source": text.splitlines(keepends=True)})

    for line in path.read_text().splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        else:
            lines.append(line)
    flush()
    return out


def notebook(path: pathlib.Path) -> dict:
    """`path` as an nbformat 4 notebook (no outputs: Jupyter fills them when it runs)."""
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": cells(path), "metadata": {"kernelspec": kernel},
            "nbformat": 4, "nbformat_minor": 5}


def convert(path: pathlib.Path) -> None:
    """Write `path`'s paired .ipynb."""
    path.with_suffix(".ipynb").write_text(json.dumps(notebook(path), indent=1) + "\n")


if __name__ == "__main__":
    for p in sorted(HERE.glob("[0-9]*.py")):
        convert(p)
