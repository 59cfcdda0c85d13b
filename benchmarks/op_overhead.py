"""Eager per-op overhead: tapegrad vs. the JAX floor vs. torch eager (SPEC §8).

SPEC §8: "eager per-op cost (forward + backward, tiny tensors) <= 1.5x the floor of calling
the same jitted JAX kernels one by one; reported also against torch eager".

Workload: a chain of N_OPS = 100 elementwise ops on a float32 vector of 4 elements (cycling
through mul/add/sin/exp/log/tanh/pow/sigmoid/sqrt/div/neg/cos/sub/relu, the "tensor" operands
being constant float32 vectors that do not require grad), then `.sum().backward()` and a read
of `x.grad`. Reported time = (forward chain + sum + backward + grad read, blocked) / N_OPS.

Variants:
  tapegrad eager        `tg.tensor(..., requires_grad=True)`, chain, `y.sum().backward()`,
                        `x.grad.jax().block_until_ready()`.
  JAX floor             one `jax.jit` kernel per op kind, called one by one on jax arrays for
                        the forward (keeping what each backward formula needs), then one jitted
                        vjp-formula kernel per op called in reverse order (what a tape must do
                        at minimum: also for add/sub/neg, whose kernels are trivial, because a
                        tape calls one backward per node). Blocked at the end.
  torch eager (1 thr)   torch CPU, `torch.set_num_threads(1)`.
  torch eager (default) torch CPU, default thread count.
  jax.jit(jax.grad)     the whole chain + sum compiled into one kernel (reference line).

Leaf creation (x) is outside the timed region for every variant. Warm-up (all compilation,
excluded), then the variants are interleaved, shuffled each repetition, for REPS repetitions;
each repetition times INNER back-to-back runs; the median over repetitions is reported.

Run: /work/venv/bin/python benchmarks/op_overhead.py   (finishes in well under 2 minutes)
"""

from __future__ import annotations

import os
import pathlib
import platform
import random
import statistics
import sys
import time

import numpy as np

import tapegrad as tg  # changes no JAX setting (NOTE [x64]); every array below is float32

import jax
import jax.numpy as jnp
import torch

N_OPS = 100
SIZE = 4
REPS = 30
INNER = 20
WARMUP = 5

# One cycle of the chain. Each entry: (name, kind) where kind tells how to apply it.
# Values stay bounded and positive where needed (log, sqrt) so every gradient is finite.
CYCLE = ["mul_w", "add_b", "sin", "exp", "log", "tanh", "pow2", "sigmoid", "sqrt", "div_w",
         "neg", "cos", "sub_b", "relu"]
CHAIN = [CYCLE[i % len(CYCLE)] for i in range(N_OPS)]

RNG = np.random.default_rng(0)
X_NP = RNG.uniform(0.5, 1.5, SIZE).astype(np.float32)
W_NP = RNG.uniform(0.9, 1.1, SIZE).astype(np.float32)
B_NP = RNG.uniform(0.05, 0.15, SIZE).astype(np.float32)


# ----------------------------------------------------------------------------- tapegrad
def _tg_apply(name, h, w, b):
    if name == "mul_w":
        return h * w
    if name == "add_b":
        return h + b
    if name == "sub_b":
        return h - b
    if name == "div_w":
        return h / w
    if name == "pow2":
        return h ** 2
    if name == "neg":
        return -h
    return getattr(tg, name)(h)


TG_W = tg.tensor(W_NP)
TG_B = tg.tensor(B_NP)
TG_X0 = jnp.asarray(X_NP, dtype=jnp.float32)


def tg_make_leaf():
    return tg.tensor(TG_X0, requires_grad=True)


def tg_run(x):
    h = x
    w, b = TG_W, TG_B
    for name in CHAIN:
        h = _tg_apply(name, h, w, b)
    h.sum().backward()
    return x.grad.jax().block_until_ready()


# ----------------------------------------------------------------------------- JAX floor
_FWD_FNS = {
    "mul_w": lambda h, w, b: h * w,
    "add_b": lambda h, w, b: h + b,
    "sub_b": lambda h, w, b: h - b,
    "div_w": lambda h, w, b: h / w,
    "sin": lambda h, w, b: jnp.sin(h),
    "cos": lambda h, w, b: jnp.cos(h),
    "exp": lambda h, w, b: jnp.exp(h),
    "log": lambda h, w, b: jnp.log(h),
    "tanh": lambda h, w, b: jnp.tanh(h),
    "sigmoid": lambda h, w, b: 1 / (1 + jnp.exp(-h)),
    "sqrt": lambda h, w, b: jnp.sqrt(h),
    "pow2": lambda h, w, b: h ** 2,
    "neg": lambda h, w, b: -h,
    "relu": lambda h, w, b: jnp.maximum(h, 0),
}

# Forward kernels: jitted per op kind, with the arguments each really takes.
_UNARY = {"sin", "cos", "exp", "log", "tanh", "sigmoid", "sqrt", "pow2", "neg", "relu"}
FWD = {}
for _k, _f in _FWD_FNS.items():
    if _k in _UNARY:
        FWD[_k] = jax.jit(lambda h, _f=_f: _f(h, None, None))
    else:
        FWD[_k] = jax.jit(lambda h, o, _f=_f: _f(h, o, o))

# Backward kernels: one vjp formula per op; `s` is what the tape saves for it
# (the op's other operand, its input, or its result -- as tapegrad's formulas choose).
BWD = {
    "mul_w": jax.jit(lambda g, w: g * w),
    "add_b": jax.jit(lambda g: g),
    "sub_b": jax.jit(lambda g: g),
    "div_w": jax.jit(lambda g, w: g / w),
    "sin": jax.jit(lambda g, x: g * jnp.cos(x)),
    "cos": jax.jit(lambda g, x: g * -jnp.sin(x)),
    "exp": jax.jit(lambda g, r: g * r),
    "log": jax.jit(lambda g, x: g / x),
    "tanh": jax.jit(lambda g, r: g * (1 - r * r)),
    "sigmoid": jax.jit(lambda g, r: g * (r * (1 - r))),
    "sqrt": jax.jit(lambda g, r: g / (r * 2)),
    "pow2": jax.jit(lambda g, x: g * (2 * x)),
    "neg": jax.jit(lambda g: -g),
    "relu": jax.jit(lambda g, r: g * (r > 0)),
}
# Which saved value each backward takes: "other" operand, op "input", op "result", or None.
SAVES = {"mul_w": "other", "div_w": "other", "add_b": None, "sub_b": None, "neg": None,
         "sin": "input", "cos": "input", "log": "input", "pow2": "input",
         "exp": "result", "tanh": "result", "sigmoid": "result", "sqrt": "result",
         "relu": "result"}
SUM_FWD = jax.jit(lambda h: jnp.sum(h))
SUM_BWD = jax.jit(lambda g: jnp.broadcast_to(g, (SIZE,)))
ONE = jnp.asarray(1.0, dtype=jnp.float32)
JW = jnp.asarray(W_NP, dtype=jnp.float32)
JB = jnp.asarray(B_NP, dtype=jnp.float32)
JX = jnp.asarray(X_NP, dtype=jnp.float32)
_OTHER = {"mul_w": JW, "div_w": JW, "add_b": JB, "sub_b": JB}


def floor_run(x):
    tape = []
    h = x
    for name in CHAIN:
        other = _OTHER.get(name)
        out = FWD[name](h) if other is None else FWD[name](h, other)
        kind = SAVES[name]
        tape.append((name, None if kind is None else
                     other if kind == "other" else h if kind == "input" else out))
        h = out
    SUM_FWD(h)
    g = SUM_BWD(ONE)
    for name, saved in reversed(tape):
        g = BWD[name](g) if saved is None else BWD[name](g, saved)
    return g.block_until_ready()


# ----------------------------------------------------------------------------- whole-jit
def _jax_chain(x):
    h = x
    for name in CHAIN:
        h = _FWD_FNS[name](h, JW, JB)
    return jnp.sum(h)


JIT_GRAD = jax.jit(jax.grad(_jax_chain))


def jit_run(x):
    return JIT_GRAD(x).block_until_ready()


# ----------------------------------------------------------------------------- torch
TW = torch.tensor(W_NP)
TB = torch.tensor(B_NP)
DEFAULT_THREADS = torch.get_num_threads()


def _torch_apply(name, h, w, b):
    if name == "mul_w":
        return h * w
    if name == "add_b":
        return h + b
    if name == "sub_b":
        return h - b
    if name == "div_w":
        return h / w
    if name == "pow2":
        return h ** 2
    if name == "neg":
        return -h
    return getattr(torch, name)(h)


def torch_make_leaf():
    return torch.tensor(X_NP, requires_grad=True)


def torch_run(x):
    h = x
    w, b = TW, TB
    for name in CHAIN:
        h = _torch_apply(name, h, w, b)
    h.sum().backward()
    return x.grad


# ----------------------------------------------------------------------------- harness
def _time(make_leaf, run, threads=None):
    if threads is not None:
        torch.set_num_threads(threads)
    leaves = [make_leaf() for _ in range(INNER)]
    t0 = time.perf_counter()
    for x in leaves:
        run(x)
    return (time.perf_counter() - t0) / INNER


VARIANTS = [
    ("tapegrad eager", lambda: _time(tg_make_leaf, tg_run)),
    ("JAX floor (jitted kernels one by one)", lambda: _time(lambda: JX, floor_run)),
    ("torch eager, 1 thread", lambda: _time(torch_make_leaf, torch_run, 1)),
    (f"torch eager, default ({DEFAULT_THREADS} threads)",
     lambda: _time(torch_make_leaf, torch_run, DEFAULT_THREADS)),
    ("jax.jit(jax.grad(chain)) (whole chain compiled)", lambda: _time(lambda: JX, jit_run)),
]
FLOOR = VARIANTS[1][0]
TORCH1 = VARIANTS[2][0]


def _check_agreement():
    ref = np.asarray(jit_run(JX))
    got = {
        "tapegrad": np.asarray(tg_run(tg_make_leaf())),
        "floor": np.asarray(floor_run(JX)),
        "torch": torch_run(torch_make_leaf()).numpy(),
    }
    assert np.all(np.isfinite(ref)), ref
    for k, v in got.items():
        assert v.dtype == np.float32, (k, v.dtype)
        np.testing.assert_allclose(v, ref, rtol=1e-4, atol=1e-6, err_msg=k)


def main() -> None:
    start = time.perf_counter()
    print(f"python {platform.python_version()}  jax {jax.__version__}  "
          f"torch {torch.__version__}  numpy {np.__version__}")
    print(f"cores: os.cpu_count()={os.cpu_count()}  "
          f"sched_getaffinity={len(os.sched_getaffinity(0))}  "
          f"torch default threads={DEFAULT_THREADS}  machine={platform.machine()}")
    print(f"chain: {N_OPS} ops on float32[{SIZE}] (+ sum + backward); "
          f"reps={REPS} x inner={INNER}, interleaved; median reported\n")

    _check_agreement()
    for _ in range(WARMUP):
        for _, fn in VARIANTS:
            fn()

    samples = {name: [] for name, _ in VARIANTS}
    order = list(VARIANTS)
    rng = random.Random(0)
    for _ in range(REPS):
        rng.shuffle(order)  # no variant always runs right after the same one
        for name, fn in order:
            samples[name].append(fn())
    torch.set_num_threads(DEFAULT_THREADS)

    per_op = {n: statistics.median(s) / N_OPS * 1e6 for n, s in samples.items()}
    spread = {n: (min(s) / N_OPS * 1e6, max(s) / N_OPS * 1e6) for n, s in samples.items()}
    lines = [
        "| variant | per-op µs (fwd+bwd) | ratio vs JAX floor | ratio vs torch eager (1 thread) |",
        "|---|---:|---:|---:|",
    ]
    for name, _ in VARIANTS:
        lines.append(f"| {name} | {per_op[name]:.2f} | {per_op[name] / per_op[FLOOR]:.2f}x | "
                     f"{per_op[name] / per_op[TORCH1]:.2f}x |")
    table = "\n".join(lines)
    ratio = per_op["tapegrad eager"] / per_op[FLOOR]
    verdict = (f"SPEC §8 target (tapegrad <= 1.5x JAX floor): "
               f"{'MET' if ratio <= 1.5 else 'NOT MET'} ({ratio:.2f}x)")
    header = (f"jax {jax.__version__}, torch {torch.__version__}, "
              f"{os.cpu_count()} cores ({platform.machine()}, python "
              f"{platform.python_version()}); {N_OPS}-op chain on float32[{SIZE}], "
              f"median of {REPS} interleaved reps x {INNER} runs; per-op = (fwd chain + sum "
              f"+ backward + grad read) / {N_OPS}.")
    print(table)
    print()
    print("min..max per-op µs over reps: " + "; ".join(
        f"{n.split(' (')[0]}: {lo:.2f}..{hi:.2f}" for n, (lo, hi) in spread.items()))
    print(verdict)

    out_dir = pathlib.Path(__file__).resolve().parent / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "op_overhead.md").write_text(
        f"# Eager per-op overhead (benchmarks/op_overhead.py)\n\n{header}\n\n{table}\n\n"
        f"{verdict}\n")
    print(f"\nwrote {out_dir / 'op_overhead.md'}  (total {time.perf_counter() - start:.1f}s)")


if __name__ == "__main__":
    sys.exit(main())
