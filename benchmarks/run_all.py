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
SCRIPTS = ["op_overhead", "large_ops", "higher_order", "memory", "mlp_step"]


def main() -> None:
    sections = []
    for name in SCRIPTS:
        if not (HERE / f"{name}.py").exists():
            continue
        # Each benchmark in its own process: no JIT caches or threads shared between them.
        out = subprocess.run([sys.executable, str(HERE / f"{name}.py")], capture_output=True,
                             text=True, check=True).stdout
        table = "\n".join(line for line in out.splitlines()
                          if line.startswith(("|", "#")) or not line.strip())
        sections.append(f"## {name}\n\n{table.strip()}\n")
        print(sections[-1])
    text = "# Benchmarks (one run, this machine)\n\n" + "\n".join(sections)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "latest.md").write_text(text)
    _plot(text)


def _plot(text: str) -> None:
    try:
        plt = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        print("(matplotlib not installed: no chart)")
        return
    labels, ratios = [], []
    for line in text.splitlines():
        m = re.match(r"\| (tapegrad[^|]*|tg\.compile[^|]*) \| [\d.]+ \| ([\d.]+)x", line)
        if m:
            labels.append(m.group(1).strip())
            ratios.append(float(m.group(2)))
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(labels) + 1))
    ax.barh(labels, ratios)
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xlabel("time ratio vs each table's JAX baseline")
    fig.tight_layout()
    fig.savefig(HERE / "results" / "latest.png", dpi=100)


if __name__ == "__main__":
    main()
