"""A whole training step: torch eager vs tapegrad eager vs `tg.compile` vs hand-written JAX.

SPEC §8: "`tg.compile` training step <= 1.10x hand-written `jax.jit(jax.value_and_grad)` +
optax, and faster than torch eager on small models where dispatch dominates".

Workloads (float32, ReLU MLP, cross-entropy loss, SGD lr 0.01 momentum 0.9, one fixed batch):
  784-256-256-10, batch 128     (issue 6, SPEC §8)
  784-256-256-10, batch 1024    (issue 6)
  32-32-32, batch 128           (a small model: dispatch dominates)

Variants (the same initial weights and batch for all):
  torch eager             `opt.zero_grad(); loss = F.cross_entropy(model(x), y); loss.backward();
                          opt.step()` with torch.nn / torch.optim.SGD, default thread count,
                          and again with one thread (the better of the two is the reference).
  tapegrad eager          the same program text with tg.nn / tg.optim.SGD.
  tg.compile(step)        that tapegrad step compiled: one XLA program per step, parameters,
                          .grad and momentum buffers written back into the tapegrad objects.
  jax.jit + optax         hand-written `jax.jit` of `jax.value_and_grad(loss)` +
                          `optax.sgd(0.01, momentum=0.9)` update + `optax.apply_updates`, state
                          threaded through the jitted function (the SPEC's reference line).
  JAX without jit         the same functions called without `jax.jit` (op-by-op dispatch).

Each step's loss is blocked on (`.item()` for torch, `block_until_ready` for JAX arrays), so
every variant finishes its step before the next starts. Warm-up (compilation, the optimizer's
first step) is excluded; then the variants are interleaved, in a shuffled order each
repetition, for REPS repetitions of INNER steps each, and the median time per step over
repetitions is reported.
The script also checks that every variant's losses agree with torch's over the first steps.

Run: /work/venv/bin/python benchmarks/mlp_step.py     (about 2 minutes on 2 cores)
Writes benchmarks/results/mlp_step.md.
"""

from __future__ import annotations

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
import optax
import torch

LR, MOMENTUM = 0.01, 0.9
WORKLOADS = [  # (name, layer sizes, batch, repetitions, steps per repetition)
    ("784-256-256-10, batch 128", (784, 256, 256, 10), 128, 41, 10),
    ("784-256-256-10, batch 1024", (784, 256, 256, 10), 1024, 21, 4),
    ("32-32-32, batch 128", (32, 32, 32), 128, 41, 40),
]
WARMUP = 3
CHECK_STEPS = 5


# ----------------------------------------------------------------------------- models
def torch_model(sizes):
    torch.manual_seed(0)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def tg_model(tmodel, sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [tg.nn.Linear(a, b), tg.nn.ReLU()]
    model = tg.nn.Sequential(*layers[:-1])
    with tg.no_grad():
        for p, q in zip(model.parameters(), tmodel.parameters()):
            p.copy_(tg.tensor(q.detach().numpy()))
    return model


def jax_params(tmodel):
    return [(jnp.asarray(m.weight.detach().numpy()), jnp.asarray(m.bias.detach().numpy()))
            for m in tmodel if isinstance(m, torch.nn.Linear)]


def jax_loss(params, x, y):
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w.T + b
        if i < len(params) - 1:
            h = jax.nn.relu(h)
    logp = jax.nn.log_softmax(h, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


OPTAX = optax.sgd(LR, momentum=MOMENTUM)
DEFAULT_THREADS = torch.get_num_threads()


def jax_step(params, opt_state, x, y):
    loss, grads = jax.value_and_grad(jax_loss)(params, x, y)
    updates, opt_state = OPTAX.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


JAX_STEP_JIT = jax.jit(jax_step)


# ----------------------------------------------------------------------------- variants
def make_variants(sizes, batch):
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y_np = rng.integers(0, sizes[-1], batch)

    tmodel = torch_model(sizes)
    gmodel = tg_model(tmodel, sizes)
    cmodel = tg_model(tmodel, sizes)
    params = jax_params(tmodel)

    # torch eager (two copies: default thread count and one thread)
    def torch_variant(threads):
        model = torch_model(sizes)
        opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
        tx, ty = torch.tensor(x_np), torch.tensor(y_np)

        def torch_step():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(tx), ty)
            loss.backward()
            opt.step()
            return loss.item()

        torch_step.threads = threads  # set before each repetition, outside the timed region
        return torch_step

    # tapegrad eager and compiled: the same program text
    gx, gy = tg.tensor(x_np), tg.tensor(y_np)

    def step(model, opt, x, y):
        opt.zero_grad()
        loss = tg.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    gopt = tg.optim.SGD(gmodel.parameters(), lr=LR, momentum=MOMENTUM)
    copt = tg.optim.SGD(cmodel.parameters(), lr=LR, momentum=MOMENTUM)
    compiled = tg.compile(step)

    def tg_eager_step():
        return float(step(gmodel, gopt, gx, gy).jax().block_until_ready())

    def tg_compiled_step():
        return float(compiled(cmodel, copt, gx, gy).jax().block_until_ready())

    # hand-written JAX, jitted and not
    jx, jy = jnp.asarray(x_np), jnp.asarray(y_np)
    state = {"jit": (params, OPTAX.init(params)), "nojit": (params, OPTAX.init(params))}

    def jax_jit_step():
        p, s = state["jit"]
        p, s, loss = JAX_STEP_JIT(p, s, jx, jy)
        state["jit"] = (p, s)
        return float(loss.block_until_ready())

    def jax_nojit_step():
        p, s = state["nojit"]
        p, s, loss = jax_step(p, s, jx, jy)
        state["nojit"] = (p, s)
        return float(loss.block_until_ready())

    variants = {
        "torch eager": torch_variant(DEFAULT_THREADS),
        "torch eager (1 thread)": torch_variant(1),
        "tapegrad eager": tg_eager_step,
        "tg.compile(step)": tg_compiled_step,
        "jax.jit(value_and_grad) + optax": jax_jit_step,
        "JAX without jit": jax_nojit_step,
    }
    return variants, compiled


def _threads(f):
    """torch's thread count for a torch variant (switching it is not free: done untimed)."""
    threads = getattr(f, "threads", None)
    if threads is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return f


def run_workload(name, sizes, batch, reps, inner):
    variants, compiled = make_variants(sizes, batch)
    # Correctness: every variant's first losses agree with torch's (float32, same data).
    losses = {k: [_threads(f)() for _ in range(CHECK_STEPS)] for k, f in variants.items()}
    ref = np.asarray(losses["torch eager"])
    for k, v in losses.items():
        np.testing.assert_allclose(np.asarray(v), ref, rtol=2e-4, atol=2e-5, err_msg=k)
    for f in variants.values():
        _threads(f)
        for _ in range(WARMUP):
            f()
    times = {k: [] for k in variants}
    order = list(variants.items())
    rng = random.Random(0)
    for _ in range(reps):
        rng.shuffle(order)  # no variant always runs right after the same one
        for k, f in order:
            _threads(f)
            t0 = time.perf_counter()
            for _ in range(inner):
                f()
            times[k].append((time.perf_counter() - t0) / inner)
    med = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    assert compiled.eager_calls == 1, "the compiled step ran eagerly beyond its first step"
    calls = CHECK_STEPS + WARMUP + reps * inner
    print(f"  ({name}: tg.compile made {compiled.compiles} program(s); "
          f"{compiled.fast_calls} of {calls} calls took the guarded fast path)", flush=True)
    return med


def main() -> int:
    results = []
    for name, sizes, batch, reps, inner in WORKLOADS:
        med = run_workload(name, sizes, batch, reps, inner)
        results.append((name, med))
        print(f"{name}: " + ", ".join(f"{k} {v:.0f}us" for k, v in med.items()), flush=True)

    lines = [
        "# Training step (benchmarks/mlp_step.py)",
        "",
        f"jax {jax.__version__}, torch {torch.__version__} (default {DEFAULT_THREADS} threads), "
        f"optax {optax.__version__}, {_cores()} cores ({platform.machine()}, python "
        f"{platform.python_version()}); ReLU MLP, cross-entropy, SGD momentum 0.9, float32; "
        "median µs per step over interleaved repetitions, warm-up excluded.",
        "",
    ]
    header = list(results[0][1])
    lines.append("| workload | " + " | ".join(header) + " | compiled / jax.jit | "
                 "compiled vs best torch |")
    lines.append("|---|" + "---:|" * (len(header) + 2))
    verdicts = []
    for name, med in results:
        c, j = med["tg.compile(step)"], med["jax.jit(value_and_grad) + optax"]
        t = min(med["torch eager"], med["torch eager (1 thread)"])
        lines.append(f"| {name} | " + " | ".join(f"{med[k]:.0f}" for k in header)
                     + f" | {c / j:.2f}x | {t / c:.1f}x faster |")
        verdicts.append(f"- {name}: compiled / hand-written JAX = {c / j:.2f}x "
                        f"(target <= 1.10x: {'met' if c / j <= 1.10 else 'NOT MET'})"
                        + (f"; compiled {t / c:.1f}x faster than torch eager (target: faster: "
                           f"{'met' if c < t else 'NOT MET'})" if name.startswith("32") else ""))
    lines += ["", "SPEC §8 targets:", *verdicts, ""]
    text = "\n".join(lines)
    print(text)
    out = pathlib.Path(__file__).parent / "results" / "mlp_step.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    return 0


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
