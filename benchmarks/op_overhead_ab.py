"""op_overhead's tapegrad chain, this tree against an earlier commit, interleaved in one run.

Issue "One table drives the surface...": the eager benchmark must be no slower than before the
restructuring, both figures measured in one run. Two worker processes (one per source tree)
each import `benchmarks/op_overhead.py` against their own `tapegrad`, warm up, then time one
repetition (INNER runs of the 100-op chain + backward) of the tapegrad variant and of the JAX
floor whenever the parent asks; the parent alternates between them for REPS repetitions, so
both trees see the same machine load. Reported: medians per op, and each tree's ratio to the
JAX floor measured in its own process.

Run: python benchmarks/op_overhead_ab.py [--before COMMIT]   (default: af60b4f, the last commit
before the restructuring; the tree is exported with `git archive` into a temporary folder)
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import subprocess
import sys
import tarfile
import tempfile
import io

ROOT = pathlib.Path(__file__).resolve().parent.parent
REPS = 30

WORKER = r"""
import sys, time
sys.path.insert(0, {bench!r})
import op_overhead as b
assert b.tg.__file__.startswith({src!r}), b.tg.__file__
b._check_agreement()
for _ in range(b.WARMUP):
    b._time(b.tg_make_leaf, b.tg_run); b._time(lambda: b.JX, b.floor_run)
print("ready", flush=True)
for line in sys.stdin:
    t = b._time(b.tg_make_leaf, b.tg_run); f = b._time(lambda: b.JX, b.floor_run)
    print(t / b.N_OPS * 1e6, f / b.N_OPS * 1e6, flush=True)
"""


def _worker(src: pathlib.Path) -> subprocess.Popen:
    code = WORKER.format(bench=str(ROOT / "benchmarks"), src=str(src))
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=env, cwd=str(src.parent))
    assert p.stdout.readline().strip() == "ready"
    return p


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", default="af60b4f")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        blob = subprocess.run(["git", "archive", args.before, "src"], cwd=ROOT,
                              capture_output=True, check=True).stdout
        tarfile.open(fileobj=io.BytesIO(blob)).extractall(tmp)
        trees = {f"before ({args.before})": pathlib.Path(tmp) / "src", "now": ROOT / "src"}
        procs = {k: _worker(v) for k, v in trees.items()}
        samples = {k: ([], []) for k in trees}
        for r in range(REPS):
            for k in (list(trees) if r % 2 == 0 else list(trees)[::-1]):
                procs[k].stdin.write("go\n"); procs[k].stdin.flush()
                t, f = map(float, procs[k].stdout.readline().split())
                samples[k][0].append(t); samples[k][1].append(f)
        for p in procs.values():
            p.stdin.close(); p.wait()
    print("| tree | tapegrad µs/op | JAX floor µs/op (same process) | ratio vs floor |")
    print("|---|---:|---:|---:|")
    for k, (t, f) in samples.items():
        mt, mf = statistics.median(t), statistics.median(f)
        print(f"| {k} | {mt:.2f} | {mf:.2f} | {mt / mf:.2f}x |")
    # Paired: each repetition times both trees back to back, so a ratio of the pair cancels
    # the machine's slow drifts (a shared VM's neighbours) that the medians above do not.
    before, now = (samples[k][0] for k in trees)
    ratios = sorted(n / b for n, b in zip(now, before))
    q = statistics.quantiles(ratios, n=4)
    print(f"\nnow / before, paired per repetition: median {statistics.median(ratios):.3f} "
          f"(quartiles {q[0]:.3f}-{q[2]:.3f}, {len(ratios)} pairs; < 1: now is faster)")


if __name__ == "__main__":
    main()
