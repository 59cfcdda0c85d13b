"""Fractional max pooling (`fractional_max_pool2d/3d` and their `_with_indices` forms).

torch's CPU kernel: per plane, the window starts along each dim come from one random sample u
in [0, 1): `int((i + u) * alpha) - int(u * alpha)` with `alpha = (in - k) / (out - 1)` computed
in the input's dtype, the last start `in - k`; each output is the first maximum of its k-window
(scanned in row-major order), its index flattened over the plane. The starts are computed on the
device from the samples (no host round trip). The samples without `_random_samples` come from
tapegrad's generator (not torch's draws). The node is FractionalMaxPool{2,3}DBackward0 (one
edge, the input); its backward scatters the gradient to the indices, under create_graph a
FractionalMaxPool{2,3}DBackwardBackward0 node with edges (grad, self) as torch's.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ... import random as _random
from .._op import Op
from .._registry import public
from ..from_jax import JaxFunction
from ._common import _F


def _starts(u, size, out, k, dtype):
    # (N, C, out) window starts for one dim, from samples u (N, C), in the input's dtype
    if out <= 0:
        return jnp.zeros(u.shape + (0,), jnp.int64)
    last = jnp.full(u.shape + (1,), size - k, jnp.int64)
    if out == 1:
        return last
    alpha = jnp.asarray(size - k, dtype) / jnp.asarray(out - 1, dtype)
    i = jnp.arange(out - 1, dtype=dtype)
    seq = ((i + u[..., None]) * alpha).astype(jnp.int64) - (u * alpha).astype(jnp.int64)[..., None]
    return jnp.concatenate([seq, last], axis=-1)


def _sample_index(nd, j):
    # torch: 2-d planes take sample[0] for the width, sample[1] for the height; 3-d ones
    # sample[0..2] for time, height, width
    return (1 - j) if nd == 2 else j


def _fmp_fwd(self, random_samples, kernel_size, output_size):
    nd = len(output_size)
    batched = self.ndim == nd + 2
    x = self if batched else self[None]
    n, c = x.shape[:2]
    sizes = x.shape[2:]
    u = random_samples[:n]
    flat = jnp.zeros((n, c) + (1,) * (2 * nd), jnp.int64)
    base = jnp.zeros((n, c) + (1,) * nd, jnp.int64)
    stride = 1
    for j in reversed(range(nd)):
        st = _starts(u[..., _sample_index(nd, j)], sizes[j], output_size[j], kernel_size[j],
                     x.dtype)
        base = base + (st * stride).reshape(
            [n, c] + [output_size[j] if d == j else 1 for d in range(nd)])
        pos = st[..., :, None] + jnp.arange(kernel_size[j])  # (N, C, out_j, k_j)
        flat = flat + (pos * stride).reshape(
            [n, c] + [output_size[j] if d == j else 1 for d in range(nd)]
            + [kernel_size[j] if d == j else 1 for d in range(nd)])
        stride *= sizes[j]
    shape = (n, c) + tuple(output_size)
    if 0 in kernel_size:  # torch: an empty window gives -inf at the window's start index
        out = jnp.full(shape, -jnp.inf, x.dtype)
        idx = jnp.broadcast_to(base, shape)
        return (out, idx) if batched else (out[0], idx[0])
    flat = jnp.broadcast_to(flat, (n, c) + tuple(output_size) + tuple(kernel_size))
    windows = flat.reshape((n, c, -1, int(np.prod(kernel_size))))
    planes = x.reshape((n, c, -1))
    vals = jnp.take_along_axis(planes, windows.reshape((n, c, -1)), axis=2)
    vals = vals.reshape(windows.shape)
    arg = jnp.argmax(vals, axis=-1)[..., None]
    idx = jnp.take_along_axis(windows, arg, axis=-1)[..., 0]
    out = jnp.take_along_axis(vals, arg, axis=-1)[..., 0]
    out, idx = out.reshape(shape), idx.reshape(shape)
    return (out, idx) if batched else (out[0], idx[0])


def _make(nd):
    def backward_fn(grad, self, indices):
        lead = self.shape[:-nd]
        m = int(np.prod(lead)) if lead else 1
        flat = jnp.zeros((m, int(np.prod(self.shape[-nd:]))), grad.dtype)
        flat = flat.at[jnp.arange(m)[:, None], indices.reshape((m, -1))].add(
            grad.reshape((m, -1)))
        return flat.reshape(self.shape)

    backward = JaxFunction(backward_fn, name=f"fractional_max_pool{nd}d_backward",
                           node=f"FractionalMaxPool{nd}DBackwardBackward0")
    op = Op(f"fractional_max_pool{nd}d", f"FractionalMaxPool{nd}DBackward0", _fmp_fwd,
            inputs=("self", "random_samples"), static=("kernel_size", "output_size"),
            outputs=("result0", "result1"), dtype_rule="keep",
            derivatives={"self": lambda grad, self, result1: backward(grad, self, result1)})
    return op


fractional_max_pool2d_op = _make(2)
fractional_max_pool3d_op = _make(3)
_OPS = {2: fractional_max_pool2d_op, 3: fractional_max_pool3d_op}
_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _ints(x, nd, what, name):
    t = tuple(x) if isinstance(x, (tuple, list)) else (x,) * nd
    if len(t) == 1:
        t = t * nd
    if len(t) != nd:
        raise RuntimeError(f"{name}: {what} must either be a single Int or tuple of Ints")
    return tuple(int(v) for v in t)


def _fractional(input, kernel_size, output_size, random_samples, nd):
    name = f"fractional_max_pool{nd}d"
    k = _ints(kernel_size, nd, "kernel_size", name)
    out = _ints(output_size, nd, "output_size", name)
    if not (input.dtype.is_floating_point):
        raise NotImplementedError(f'"{name}_out_frame" not implemented for '
                                  f"'{input.dtype.scalar_name}'")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    if random_samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    n = input.size(0) if input.ndim == nd + 2 else 1
    c = input.size(-nd - 1)
    if random_samples.dim() != 3:
        raise RuntimeError(f"Expect _random samples to have 3 dimensions, got "
                           f"{random_samples.dim()}")
    if random_samples.size(0) < n:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if random_samples.size(1) != c:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if random_samples.size(2) != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got "
                           f"{random_samples.size(2)}.")
    prefix = f"{name}()" if nd == 2 else f"{name}_out()"
    for j, dim_name in enumerate(_DIM_NAMES[nd]):
        size = input.size(j - nd)
        if out[j] + k[j] - 1 > size:
            raise RuntimeError(f"{prefix}: pool {dim_name} {k[j]} too large relative to input "
                               f"{dim_name} {size}")
    return _OPS[nd](input, random_samples, k, out)


def _with_indices(input, kernel_size, output_size, output_ratio, _random_samples, nd):
    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if nd == 2 and len(output_ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a "
                             "single Int or tuple of Ints.")
        ratio = (tuple(output_ratio) if isinstance(output_ratio, (tuple, list))
                 else (output_ratio,) * nd)
        output_size = [int(input.size(j - nd) * ratio[j]) for j in range(nd)]
    if _random_samples is None:
        n_batch = 1 if input.dim() == nd + 1 else input.size(0)
        _random_samples = _random.rand(n_batch, input.size(-nd - 1), nd, dtype=input.dtype)
    return _fractional(input, kernel_size, output_size, _random_samples, nd)


@public(**_F)
def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """Matches `torch.nn.functional.fractional_max_pool2d_with_indices`."""
    return _with_indices(input, kernel_size, output_size, output_ratio, _random_samples, 2)


@public(**_F)
def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """Matches `torch.nn.functional.fractional_max_pool2d`."""
    out, idx = _with_indices(input, kernel_size, output_size, output_ratio, _random_samples, 2)
    return (out, idx) if return_indices else out


@public(**_F)
def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """Matches `torch.nn.functional.fractional_max_pool3d_with_indices`."""
    return _with_indices(input, kernel_size, output_size, output_ratio, _random_samples, 3)


@public(**_F)
def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """Matches `torch.nn.functional.fractional_max_pool3d`."""
    out, idx = _with_indices(input, kernel_size, output_size, output_ratio, _random_samples, 3)
    return (out, idx) if return_indices else out
