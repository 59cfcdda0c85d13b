# %% [markdown]
# # Eager tape vs functional autodiff
#
# The same gradient four ways: torch eager, tapegrad's eager tape (PyTorch style),
# `tg.compile` of the same eager code (one XLA program), and `jax.jit(jax.grad)` (functional,
# compiled). The values agree; the cost profiles differ: the tape pays Python per op, the two
# compiled ones pay once at compile time. A lazy eager mode (eager code recorded and fused
# without an explicit `tg.compile`) does not exist in tapegrad yet, so it has no bar here.

# %%
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import torch

import tapegrad as tg

rng = np.random.default_rng(0)
X = rng.standard_normal((64, 16)).astype(np.float32)
W = (rng.standard_normal((16, 16)) * 0.3).astype(np.float32)


def loss_tapegrad(w_np):
    w = tg.tensor(w_np, requires_grad=True)
    h = tg.tensor(X)
    for _ in range(4):
        h = (h @ w).tanh()
    h.pow(2).mean().backward()
    return np.asarray(w.grad.jax())


# The same eager code over a parameter that lives outside, compiled: one jax.jit program
# per call (zero_grad, forward, backward), the way a training step is compiled.
w_param = tg.tensor(W, requires_grad=True)
x_tensor = tg.tensor(X)


@tg.compile
def grad_compiled(x):
    w_param.grad = None
    h = x
    for _ in range(4):
        h = (h @ w_param).tanh()
    h.pow(2).mean().backward()
    return w_param.grad


def loss_jax(w):
    h = jnp.asarray(X)
    for _ in range(4):
        h = jnp.tanh(h @ w)
    return jnp.mean(h ** 2)


grad_jax = jax.jit(jax.grad(loss_jax))


def loss_torch(w_np):
    w = torch.tensor(w_np, requires_grad=True)
    h = torch.tensor(X)
    for _ in range(4):
        h = (h @ w).tanh()
    h.pow(2).mean().backward()
    return w.grad.numpy()


# %%
g_tape = loss_tapegrad(W)
g_compiled = np.asarray(grad_compiled(x_tensor).jax())
g_jax = np.asarray(grad_jax(jnp.asarray(W)))
g_torch = loss_torch(W)
for name, g in (("tg.compile", g_compiled), ("jax.grad", g_jax), ("torch", g_torch)):
    print(f"max |tape - {name:10s}| = {np.abs(g_tape - g).max():.2e}")
    assert np.allclose(g_tape, g, rtol=1e-5, atol=1e-6)

# %% [markdown]
# Each way timed over 15 repeats (after warm-up calls that compile): the bar is the median,
# the whisker runs from the fastest to the slowest repeat. The axis is logarithmic.

# %%
def timings_ms(fn, reps=15):
    for _ in range(3):  # warm up: the first calls trace and compile
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - t0))
    return np.array(times)


timings = {
    "torch eager": timings_ms(lambda: loss_torch(W)),
    "tapegrad eager": timings_ms(lambda: loss_tapegrad(W)),
    "tg.compile": timings_ms(lambda: grad_compiled(x_tensor).jax().block_until_ready()),
    "jax.jit(jax.grad)": timings_ms(lambda: grad_jax(jnp.asarray(W)).block_until_ready()),
}
for name, t in timings.items():
    print(f"{name:18s} min {t.min():7.3f}   median {np.median(t):7.3f}   max {t.max():7.3f} ms")

# %%
names = list(timings)
median = np.array([np.median(timings[n]) for n in names])
low = median - np.array([timings[n].min() for n in names])
high = np.array([timings[n].max() for n in names]) - median
fig, ax = plt.subplots(figsize=(7, 2.8))
ax.barh(names, median, xerr=[low, high], capsize=4, color=["C0", "C1", "C2", "C3"])
ax.invert_yaxis()
ax.set_xscale("log")
ax.set_xlabel("ms per gradient (median; whiskers: min to max of 15 repeats)")
fig.tight_layout()
plt.show()
