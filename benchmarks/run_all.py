"""Run every benchmark in one process and one run (SPEC §8); write results/latest.md (+ PNG).

Run: /work/venv/bin/python benchmarks/run_all.py   (the chart needs matplotlib, optional)
"""

from __future__ import annotations

import importlib
import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).parent
SCRIPTS = ["op_overhead", "large_ops", "higher_order", "func_transforms", "memory", "mlp_step",
           "cold_start"]


def main() -> None:
    sections = []
    for name in SCRIPTS:
        if not (HERE / f"{name}.py").exists():
            continue
        # Each benchmark in its own process: no JIT caches or threads shared between them.
        out = subprocess.run([sys.executable, str(HERE / f"{name}.py")], capture_output=True,
                             text=True, check=True).stdout
        table = "\n".join(line for line in out.splitlines()
                          if line.startswith(("|", "##")) or not line.strip())
        sections.append(f"## {name}\n\n{table.strip()}\n")
        print(sections[-1])
    text = "# Benchmarks (one run, this machine)\n\n" + "\n".join(sections)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "latest.md").write_text(text)
    _plot(text)


def _ratios(text: str) -> list[tuple[str, dict[str, float]]]:
    """(workload, {variant: time ratio vs that workload's JAX baseline}) from the tables."""
    rows: list[tuple[str, dict[str, float]]] = []
    title = ""
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("# ").split(":", 1)[-1].strip()
            continue
        if title.startswith("cold start"):  # ratios vs torch, no JAX baseline: table only
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or set(cells[1]) <= set("-:"):
            continue
        if title == "op_overhead" or len(cells) in (3, 4):  # variant | time | ratio vs JAX ...
            variant = cells[0]
            if not re.fullmatch(r"[\d.]+x", cells[2]):
                continue
            kind = ("tapegrad" if variant.startswith("tapegrad") else
                    "tg.compile" if variant.startswith("tg.compile") else
                    "torch" if variant.startswith("torch eager") and "default" not in variant
                    else None)
            if kind:
                name = "op overhead (per op)" if title == "op_overhead" else title
                if not rows or rows[-1][0] != name:
                    rows.append((name, {}))
                rows[-1][1][kind] = float(cells[2][:-1])
        elif len(cells) >= 7 and re.fullmatch(r"[\d.]+", cells[1]):  # mlp_step
            t = [float(c) for c in cells[1:7]]
            jax_time = t[4]
            rows.append((f"MLP step {cells[0]}", {
                "tapegrad": t[2] / jax_time, "tg.compile": t[3] / jax_time,
                "torch": min(t[0], t[1]) / jax_time}))
    return rows


def _plot(text: str) -> None:
    try:
        plt = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        print("(matplotlib not installed: no chart)")
        return
    rows = _ratios(text)
    kinds = ["tapegrad", "tg.compile", "torch"]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.2))
    height = 0.8 / len(kinds)
    for k, kind in enumerate(kinds):
        ys = [i + (k - 1) * height for i, (_, r) in enumerate(rows) if kind in r]
        xs = [r[kind] for _, r in rows if kind in r]
        label = {"tapegrad": "tapegrad eager"}.get(kind, kind)
        if kind == "torch":
            label = "torch eager"
        ax.barh(ys, xs, height=height, label=label)
    ax.set_yticks(range(len(rows)), [name for name, _ in rows])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xlabel("time / JAX baseline of the same workload (log scale; 1 = JAX)")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.8), fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "results" / "latest.png", dpi=100)


if __name__ == "__main__":
    main()
