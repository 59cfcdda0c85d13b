"""Large ops, forward + backward: tapegrad eager vs raw jitted JAX fwd+vjp vs torch (SPEC §8).

Target: tapegrad <= 1.05x raw jitted JAX. Workloads: a 1024x1024 matmul and a 4M-element
elementwise chain (sin, mul, exp, sum), float32, each with backward to both inputs.
Run: /work/venv/bin/python benchmarks/large_ops.py
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

import tapegrad as tg

import jax
import jax.numpy as jnp
import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _common import interleaved, table  # noqa: E402

rng = np.random.default_rng(0)
A = rng.standard_normal((1024, 1024)).astype(np.float32)
B = rng.standard_normal((1024, 1024)).astype(np.float32)
X = rng.uniform(-1, 1, 4 * 1024 * 1024).astype(np.float32)
Y = rng.uniform(-1, 1, 4 * 1024 * 1024).astype(np.float32)


# Inputs are made outside the timed region for every variant (no host copies timed).
A_j, B_j = jnp.asarray(A), jnp.asarray(B)
X_j, Y_j = jnp.asarray(X), jnp.asarray(Y)
A_t, B_t, X_t, Y_t = (torch.from_numpy(v) for v in (A, B, X, Y))


def tg_matmul():
    a = tg.from_jax(A_j, requires_grad=True)
    b = tg.from_jax(B_j, requires_grad=True)
    (a @ b).sum().backward()
    b.grad.jax().block_until_ready()


def _jax_mm(a, b):
    return jnp.sum(a @ b)


jax_mm = jax.jit(jax.value_and_grad(_jax_mm, argnums=(0, 1)))


def jax_matmul():
    _, (ga, gb) = jax_mm(A_j, B_j)
    gb.block_until_ready()


def torch_matmul():
    a = A_t.detach().requires_grad_()
    b = B_t.detach().requires_grad_()
    (a @ b).sum().backward()


def tg_chain():
    x = tg.from_jax(X_j, requires_grad=True)
    y = tg.from_jax(Y_j, requires_grad=True)
    ((x.sin() * y).exp()).sum().backward()
    y.grad.jax().block_until_ready()


def _jax_chain(x, y):
    return jnp.sum(jnp.exp(jnp.sin(x) * y))


jax_ch = jax.jit(jax.value_and_grad(_jax_chain, argnums=(0, 1)))


def jax_chain():
    _, (gx, gy) = jax_ch(X_j, Y_j)
    gy.block_until_ready()


def torch_chain():
    x = X_t.detach().requires_grad_()
    y = Y_t.detach().requires_grad_()
    ((x.sin() * y).exp()).sum().backward()


def main() -> str:
    torch.set_num_threads(2)
    out = []
    r = interleaved({"tapegrad eager": tg_matmul, "jax.jit(value_and_grad)": jax_matmul,
                     "torch eager": torch_matmul}, reps=9, inner=2)
    out.append(table("large_ops: 1024x1024 matmul, fwd+bwd (float32)", r,
                     "jax.jit(value_and_grad)"))
    r = interleaved({"tapegrad eager": tg_chain, "jax.jit(value_and_grad)": jax_chain,
                     "torch eager": torch_chain}, reps=9, inner=2)
    out.append(table("large_ops: 4M-element sin*y, exp, sum, fwd+bwd (float32)", r,
                     "jax.jit(value_and_grad)"))
    text = "\n".join(out)
    print(text)
    return text


if __name__ == "__main__":
    main()
