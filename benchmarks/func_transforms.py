"""tg.func recipes (issue 13 item 4): tapegrad vs torch.func (1 thread) vs jitted JAX.

The recipes of PyTorch's jacobians/hessians and per-sample-gradients tutorials: eager (a
JAX trace per call, NOTE [tg.func lowered to JAX's transforms]) and under tg.compile (one
XLA program, reused while the guard holds). Run:
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
    """The recipes written once, for tapegrad and torch: {name: (function, its arguments)}."""
    F = T.func
    model = T.nn.Sequential(T.nn.Linear(32, 64), T.nn.Tanh(), T.nn.Linear(64, 10))
    params = {k: T.tensor(v) for k, v in P.items()}

    def loss(p, xi, yi):
        out = F.functional_call(model, p, (xi.unsqueeze(0),))
        return T.nn.functional.cross_entropy(out, yi.unsqueeze(0))

    x, w, b = T.tensor(X16), T.tensor(W), T.tensor(B)
    return {
        "jacrev(jacrev(f)), 16 inputs": (lambda x: F.jacrev(F.jacrev(_f))(x), (x,)),
        "hessian(f.sum()), 16 inputs": (lambda x: F.hessian(lambda a: _f(a).sum())(x), (x,)),
        "jacrev(predict, argnums=2), 16x16": (F.jacrev(_predict, argnums=2), (w, b, x)),
        "jacfwd(predict, argnums=2), 16x16": (F.jacfwd(_predict, argnums=2), (w, b, x)),
        "per-sample grads, MLP 32-64-10, batch 64": (
            F.vmap(F.grad(loss), in_dims=(None, 0, 0)), (params, T.tensor(XB), T.tensor(YB))),
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


def _ready(tree):
    return jax.block_until_ready(jax.tree_util.tree_map(
        lambda t: t.jax(), tree, is_leaf=lambda t: isinstance(t, tg.Tensor)))


def main() -> str:
    ours, theirs, jaxs = _lib(tg), _lib(torch), _jax_recipes()
    lines = ["### func_transforms: tg.func recipes (ms per call)", "",
             "| recipe | tapegrad eager | tg.compile | torch.func (1 thread) | jax.jit | "
             "eager / torch | compiled / torch |", "|---|---:|---:|---:|---:|---:|---:|"]
    for (name, (fn, args)), (tfn, targs), jax_fn in zip(ours.items(), theirs.values(), jaxs):
        compiled = tg.compile(fn)
        r = interleaved({"tg": lambda: _ready(fn(*args)),
                         "compiled": lambda: _ready(compiled(*args)),
                         "torch": lambda: tfn(*targs), "jax": jax_fn}, reps=9, inner=3)
        lines.append(f"| {name} | {r['tg'] * 1e3:.2f} | {r['compiled'] * 1e3:.2f} | "
                     f"{r['torch'] * 1e3:.2f} | {r['jax'] * 1e3:.3f} | "
                     f"{r['tg'] / r['torch']:.1f}x | {r['compiled'] / r['torch']:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    return text


if __name__ == "__main__":
    main()
