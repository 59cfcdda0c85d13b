# %% [markdown]
# # Eager tape vs functional autodiff
#
# The same gradient three ways: tapegrad's eager tape (PyTorch style), `jax.grad` (functional,
# compiled), and torch eager. The values agree; the cost profile differs: the tape pays Python
# per op, `jax.jit(jax.grad)` pays once at compile time.

# %%
import time

import jax
import jax.numpy as jnp
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
g_jax = np.asarray(grad_jax(jnp.asarray(W)))
g_torch = loss_torch(W)
print("max |tape - jax.grad| =", np.abs(g_tape - g_jax).max())
print("max |tape - torch|    =", np.abs(g_tape - g_torch).max())
assert np.allclose(g_tape, g_torch, rtol=1e-5, atol=1e-6)
assert np.allclose(g_tape, g_jax, rtol=1e-5, atol=1e-6)

# %%
def median_ms(fn, reps=15):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * sorted(times)[len(times) // 2]


timings = {
    "tapegrad eager": median_ms(lambda: loss_tapegrad(W)),
    "torch eager": median_ms(lambda: loss_torch(W)),
    "jax.jit(jax.grad)": median_ms(lambda: grad_jax(jnp.asarray(W)).block_until_ready()),
}
for name, ms in timings.items():
    print(f"{name:20s} {ms:8.3f} ms")

# %%
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.5))
    ax.barh(list(timings), list(timings.values()))
    ax.set_xlabel("ms per gradient (median)")
    fig.tight_layout()
    fig.savefig("03_eager_vs_functional.png", dpi=90)
except ImportError:
    print("matplotlib not installed: no plot")
