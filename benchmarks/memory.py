"""Memory: resident-set growth over 2,000 eager steps; live graph nodes after a backward.

Run: /work/venv/bin/python benchmarks/memory.py
"""

from __future__ import annotations

import gc
import resource

import numpy as np

import tapegrad as tg
from tapegrad.autograd.graph import Node


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def step(w, b, x, y):
    loss = ((x @ w + b).tanh() - y).pow(2).mean()
    loss.backward()
    with tg.no_grad():
        w.sub_(0.01 * w.grad)
        b.sub_(0.01 * b.grad)
    w.grad = None
    b.grad = None
    return loss


def live_nodes() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Node))


def main() -> str:
    rng = np.random.default_rng(0)
    w = tg.tensor(rng.standard_normal((32, 16)) * 0.1, dtype=tg.float32, requires_grad=True)
    b = tg.zeros(16, requires_grad=True)
    x = tg.tensor(rng.standard_normal((64, 32)), dtype=tg.float32)
    y = tg.tensor(rng.standard_normal((64, 16)), dtype=tg.float32)
    # Warm-up to steady state (JAX's and the allocator's first-use growth settles within
    # about a thousand steps), then measure.
    for _ in range(1000):
        step(w, b, x, y)
    # Objects are counted outside the RSS window (the list gc.get_objects() makes is itself
    # memory), before the first RSS reading and after the second.
    gc.collect()
    objects_before = len(gc.get_objects())
    before = rss_mb()
    for _ in range(2000):
        step(w, b, x, y)
    gc.collect()
    after = rss_mb()
    objects_after = len(gc.get_objects())
    nodes_before = live_nodes()
    loss = step(w, b, x, y)
    del loss
    nodes_after = live_nodes()
    text = ("### memory\n\n| measure | value |\n|---|---:|\n"
            f"| RSS growth over 2,000 eager steps | {after - before:+.2f} MB |\n"
            f"| Python objects growth over those steps | {objects_after - objects_before:+d} |\n"
            f"| live graph nodes after a backward whose output was dropped | "
            f"{nodes_after - nodes_before} |\n")
    print(text)
    return text


if __name__ == "__main__":
    main()
