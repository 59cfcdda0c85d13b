"""Memory, scale and threads, tapegrad beside torch (issue "Never silently wrong, never
unbounded"): each measure runs the same program under both libraries, each in a fresh process
(so resident-set figures are its own).

Measures:
  leaves kept alive   5 leaves of 1000x1000 used in a backward, then dropped: how many live on
  RSS over N shapes   a small MLP step at N distinct batch sizes (N = 50, 400): RSS growth
  nodes after a step  live autograd nodes once a training step returned and its loss is gone
  chain 100k / 1M     a chain of N `y = y * c` ops on a 4-vector, forward + backward: seconds
                      and peak RSS growth
  stack 10k views     `stack([w[i] for i in range(10_000)])` of one leaf, forward + backward
  create_graph 100k   backward(create_graph=True) through a 100k chain
  threads             8 threads x 200 backwards into one shared leaf: the value (3200) and time

Run: python benchmarks/scale.py [--quick]   (writes benchmarks/results/scale.md)
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

PRELUDE = """
import gc, json, resource, sys, time, threading, weakref
import numpy as np
LIB = sys.argv[1]
if LIB == "torch":
    import torch as T
    torch_mod = T
    T.set_num_threads(1)
else:
    import tapegrad as T
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

PROGRAMS = {
    "leaves_alive": """
leaves = [T.ones(1000, 1000, requires_grad=True) for _ in range(5)]
for w in leaves:
    (w * 2).sum().backward()
refs = [weakref.ref(w) for w in leaves]
del leaves, w
gc.collect()
out = {"alive": sum(r() is not None for r in refs)}
""",
    "rss_shapes": """
N = int(sys.argv[2])
lin = T.nn.Linear(32, 16)
def step(n):
    x = T.ones(n, 32)
    loss = lin(x).tanh().pow(2).mean()
    loss.backward()
    lin.zero_grad()
step(1)
gc.collect()
before = rss()
for n in range(2, N + 2):
    step(n)
gc.collect()
out = {"rss_mb": rss() - before}
""",
    "nodes_after_step": """
model = T.nn.Sequential(T.nn.Linear(8, 16), T.nn.ReLU(), T.nn.Linear(16, 2))
opt = T.optim.SGD(model.parameters(), lr=0.1)
def step():
    opt.zero_grad()
    loss = T.nn.functional.cross_entropy(model(T.ones(4, 8)), T.zeros(4, dtype=T.int64))
    loss.backward()
    opt.step()
for _ in range(3):
    step()
gc.collect()
Node = T.autograd.graph.Node
out = {"nodes": sum(1 for o in gc.get_objects() if isinstance(o, Node))}
""",
    "chain": """
N = int(sys.argv[2])
x = T.ones(4, requires_grad=True)
gc.collect()
base = rss()
t0 = time.perf_counter()
y = x
for _ in range(N):
    y = y * 1.0000001
y.sum().backward()
float(x.grad[0])
out = {"seconds": time.perf_counter() - t0, "peak_mb": peak() - base}
""",
    "stack_views": """
w = T.ones(10000, requires_grad=True)
t0 = time.perf_counter()
y = T.stack([w[i] for i in range(10000)])
(y * 2).sum().backward()
float(w.grad[0])
out = {"seconds": time.perf_counter() - t0}
""",
    "create_graph_chain": """
N = int(sys.argv[2])
x = T.ones(4, requires_grad=True)
t0 = time.perf_counter()
y = x
for _ in range(N):
    y = y * 1.0000001
(g,) = T.autograd.grad(y.sum(), x, create_graph=True)
float(g[0])
out = {"seconds": time.perf_counter() - t0}
""",
    "threads": """
w = T.ones(3, requires_grad=True)
def work():
    for _ in range(200):
        (w * 2).sum().backward()
t0 = time.perf_counter()
ts = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
out = {"value": float(w.grad[0]), "seconds": time.perf_counter() - t0}
""",
}


def measure(name: str, lib: str, arg: str = "0", timeout: int = 600) -> dict:
    code = PRELUDE + textwrap.dedent(PROGRAMS[name]) + "\nprint(json.dumps(out))\n"
    try:
        proc = subprocess.run([sys.executable, "-c", code, lib, arg], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout} s"}
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1][:120]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt(result: dict, key: str, unit: str = "") -> str:
    if "error" in result:
        return result["error"]
    value = result[key]
    return f"{value:.2f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def ratio(a: dict, b: dict, key: str) -> str:
    if "error" in a or "error" in b or not b[key]:
        return ""
    return f"{a[key] / b[key]:.1f}x"


def main() -> str:
    quick = "--quick" in sys.argv
    rows = []

    def row(label, name, key, unit="", arg="0", timeout=600):
        tg_result = measure(name, "tapegrad", arg, timeout)
        torch_result = measure(name, "torch", arg, timeout)
        rows.append(f"| {label} | {fmt(tg_result, key, unit)} | {fmt(torch_result, key, unit)} "
                    f"| {ratio(tg_result, torch_result, key)} |")
        print(rows[-1], flush=True)

    row("leaves alive after del (of 5)", "leaves_alive", "alive")
    row("RSS growth over 50 batch sizes", "rss_shapes", "rss_mb", " MB", "50")
    if not quick:
        row("RSS growth over 400 batch sizes", "rss_shapes", "rss_mb", " MB", "400")
    row("live nodes after a training step", "nodes_after_step", "nodes")
    row("100k-op chain fwd+bwd, seconds", "chain", "seconds", " s", "100000")
    row("100k-op chain fwd+bwd, peak RSS", "chain", "peak_mb", " MB", "100000")
    if not quick:
        row("1M-op chain fwd+bwd, seconds", "chain", "seconds", " s", "1000000", 900)
    row("stack of 10k views of one leaf, seconds", "stack_views", "seconds", " s")
    row("create_graph through a 100k chain, seconds", "create_graph_chain", "seconds", " s",
        "100000")
    row("8 threads x 200 backwards: w.grad", "threads", "value")
    row("8 threads x 200 backwards: seconds", "threads", "seconds", " s")
    text = ("### scale\n\n| measure | tapegrad | torch | tapegrad / torch |\n"
            "|---|---:|---:|---:|\n" + "\n".join(rows) + "\n")
    out = pathlib.Path(__file__).parent / "results" / "scale.md"
    out.write_text(text)
    print(text)
    return text


if __name__ == "__main__":
    main()
