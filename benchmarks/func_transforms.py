"""tg.func recipes (issue 13 item 4): tapegrad vs torch.func (1 thread) vs jitted JAX.

The recipes of PyTorch's jacobians/hessians and per-sample-gradients tutorials, eager, with
new inputs each call (the function is the same, so nothing is compiled per call). Run:
.venv/bin/python benchmarks/func_transforms.py
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
from _common import interleaved  # noqa: E402

torch.set_num_threads(1)
rng = np.random.default_rng(0)
X16 = rng.standard_normal(16)
W = rng.standard_normal((16, 16)) * 0.3
B = rng.standard_normal(16)
XB = rng.standard_normal((64, 32)).astype(np.float32)
YB = rng.integers(0, 10, 64)
P = {"0.weight": rng.standard_normal((64, 32)).astype(np.float32) * 0.2,
     "0.bias": np.zeros(64, np.float32),
     "2.weight": rng.standard_normal((10, 64)).astype(np.float32) * 0.2,
     "2.bias": np.zeros(10, np.float32)}


def _f(x):
    return (x.sin() * x.cos().sum()).tanh()


def _predict(w, b, x):
    return (x @ w.T + b).tanh()


def _jf(x):
    return jnp.tanh(jnp.sin(x) * jnp.cos(x).sum())


def _jpredict(w, b, x):
    return jnp.tanh(x @ w.T + b)


def _lib(T):
    """The recipes written once, for tapegrad and torch."""
    F = T.func
    model = T.nn.Sequential(T.nn.Linear(32, 64), T.nn.Tanh(), T.nn.Linear(64, 10))
    params = {k: T.tensor(v) for k, v in P.items()}

    def loss(p, xi, yi):
        out = F.functional_call(model, p, (xi.unsqueeze(0),))
        return T.nn.functional.cross_entropy(out, yi.unsqueeze(0))

    per_sample = F.vmap(F.grad(loss), in_dims=(None, 0, 0))
    return {
        "jacrev(jacrev(f)), 16 inputs": lambda: F.jacrev(F.jacrev(_f))(T.tensor(X16)),
        "hessian(f.sum()), 16 inputs": lambda: F.hessian(lambda x: _f(x).sum())(T.tensor(X16)),
        "jacrev(predict, argnums=2), 16x16": lambda: F.jacrev(_predict, argnums=2)(
            T.tensor(W), T.tensor(B), T.tensor(X16)),
        "jacfwd(predict, argnums=2), 16x16": lambda: F.jacfwd(_predict, argnums=2)(
            T.tensor(W), T.tensor(B), T.tensor(X16)),
        "per-sample grads, MLP 32-64-10, batch 64": lambda: per_sample(
            params, T.tensor(XB), T.tensor(YB)),
    }


def _jax_recipes() -> dict:
    def jloss(p, xi, yi):
        h = jnp.tanh(xi @ p["0.weight"].T + p["0.bias"])
        out = h @ p["2.weight"].T + p["2.bias"]
        return -jax.nn.log_softmax(out)[yi]

    fns = [jax.jit(jax.jacrev(jax.jacrev(_jf))), jax.jit(jax.hessian(lambda x: _jf(x).sum())),
           jax.jit(jax.jacrev(_jpredict, argnums=2)), jax.jit(jax.jacfwd(_jpredict, argnums=2)),
           jax.jit(jax.vmap(jax.grad(jloss), in_axes=(None, 0, 0)))]
    jp = {k: jnp.asarray(v) for k, v in P.items()}
    args = [(X16,), (X16,), (W, B, X16), (W, B, X16), (jp, XB, YB)]
    return [lambda f=f, a=a: jax.block_until_ready(f(*a)) for f, a in zip(fns, args)]


def main() -> str:
    ours, theirs, jaxs = _lib(tg), _lib(torch), _jax_recipes()
    lines = ["### func_transforms: tg.func recipes (eager, ms per call)", "",
             "| recipe | tapegrad | torch.func (1 thread) | jax.jit | tapegrad / torch |",
             "|---|---:|---:|---:|---:|"]
    for (name, mine), theirs_fn, jax_fn in zip(ours.items(), theirs.values(), jaxs):
        r = interleaved({"tg": lambda: jax.block_until_ready(jax.tree_util.tree_map(
            lambda t: t.jax(), mine(), is_leaf=lambda t: isinstance(t, tg.Tensor))),
                         "torch": theirs_fn, "jax": jax_fn}, reps=9, inner=3)
        lines.append(f"| {name} | {r['tg'] * 1e3:.2f} | {r['torch'] * 1e3:.2f} | "
                     f"{r['jax'] * 1e3:.3f} | {r['tg'] / r['torch']:.1f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    return text


if __name__ == "__main__":
    main()
