"""Hessian-vector product by double backward (create_graph=True) on a tanh MLP.

tapegrad eager vs `jax.jit(jax.jvp(jax.grad(f)))` vs torch eager. Run:
/work/venv/bin/python benchmarks/higher_order.py
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
W1 = rng.standard_normal((64, 64)).astype(np.float32) * 0.2
W2 = rng.standard_normal((64, 1)).astype(np.float32) * 0.2
XB = rng.standard_normal((32, 64)).astype(np.float32)
V1 = rng.standard_normal((64, 64)).astype(np.float32)


def tg_hvp():
    w1 = tg.tensor(W1, requires_grad=True)
    w2 = tg.tensor(W2)
    x = tg.tensor(XB)
    loss = ((x @ w1).tanh() @ w2).pow(2).mean()
    (g,) = tg.autograd.grad(loss, w1, create_graph=True)
    (h,) = tg.autograd.grad((g * tg.tensor(V1)).sum(), w1)
    h.jax().block_until_ready()


def _loss(w1):
    return jnp.mean((jnp.tanh(jnp.asarray(XB) @ w1) @ jnp.asarray(W2)) ** 2)


jax_hvp_fn = jax.jit(lambda w, v: jax.jvp(jax.grad(_loss), (w,), (v,))[1])
W1_j, V1_j = jnp.asarray(W1), jnp.asarray(V1)


def jax_hvp():
    jax_hvp_fn(W1_j, V1_j).block_until_ready()


def _tg_hvp_of(w1, w2, x, v):
    loss = ((x @ w1).tanh() @ w2).pow(2).mean()
    (g,) = tg.autograd.grad(loss, w1, create_graph=True)
    (h,) = tg.autograd.grad((g * v).sum(), w1)
    return h


# The same double backward under tg.compile: one XLA program (inputs made once, as for JAX).
tg_hvp_compiled = tg.compile(_tg_hvp_of)
TG_ARGS = (tg.tensor(W1, requires_grad=True), tg.tensor(W2), tg.tensor(XB), tg.tensor(V1))


def tg_compiled_hvp():
    tg_hvp_compiled(*TG_ARGS).jax().block_until_ready()


def torch_hvp():
    w1 = torch.tensor(W1, requires_grad=True)
    loss = ((torch.tensor(XB) @ w1).tanh() @ torch.tensor(W2)).pow(2).mean()
    (g,) = torch.autograd.grad(loss, w1, create_graph=True)
    torch.autograd.grad((g * torch.tensor(V1)).sum(), w1)


def main() -> str:
    r = interleaved({"tapegrad eager (double backward)": tg_hvp,
                     "tg.compile (double backward)": tg_compiled_hvp,
                     "jax.jit(jvp(grad))": jax_hvp, "torch eager (double backward)": torch_hvp},
                    reps=11, inner=3)
    text = table("higher_order: HVP of a 64-64-1 tanh MLP, batch 32", r, "jax.jit(jvp(grad))")
    print(text)
    return text


if __name__ == "__main__":
    main()
