"""Shared timing for benchmarks: warm-up, interleaved repetitions, medians (SPEC §8)."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable


def interleaved(variants: dict[str, Callable[[], object]], reps: int = 15, inner: int = 3,
                warmup: int = 2) -> dict[str, float]:
    """Median seconds per call of each variant, timed interleaved after warm-up.

    Each repetition runs every variant once, in a freshly shuffled order (fixed seed), so no
    variant always follows the same one (torch's worker threads spinning after a torch
    variant, cache state, ...)."""
    for fn in variants.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants.items())
    rng = random.Random(0)
    for _ in range(reps):
        rng.shuffle(order)
        for name, fn in order:
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[name].append((time.perf_counter() - t0) / inner)
    return {name: statistics.median(v) for name, v in samples.items()}


def table(title: str, results: dict[str, float], baseline: str, unit: float = 1e3,
          unit_name: str = "ms") -> str:
    lines = [f"### {title}", "", f"| variant | {unit_name} | ratio vs {baseline} |",
             "|---|---:|---:|"]
    base = results[baseline]
    for name, t in results.items():
        lines.append(f"| {name} | {t * unit:.3f} | {t / base:.2f}x |")
    return "\n".join(lines) + "\n"
