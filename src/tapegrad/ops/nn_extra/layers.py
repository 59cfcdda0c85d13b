"""Shuffles, fold/unfold, unpooling, grids and random layers (dropouts, gumbel_softmax)."""

from __future__ import annotations

import math
import warnings

import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _errors
from ... import random as _random
from ..._grad_mode import no_grad
from .._registry import public
from ..from_jax import JaxFunction
from ..reduction import softmax as _softmax
from ._common import _F, _aten, _const, _float_only, _tuple  # noqa: F401
from ..._checks import user_stacklevel


# ================================================================== shuffles, fold/unfold
def _pixel_shuffle_fwd(self, r):
    *lead, c, h, w = self.shape
    x = self.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    n = len(lead)
    x = jnp.transpose(x, tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def _pixel_unshuffle_fwd(self, r):
    *lead, c, h, w = self.shape
    x = self.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    n = len(lead)
    x = jnp.transpose(x, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))


def _channel_shuffle_fwd(self, groups):
    n, c = self.shape[:2]
    rest = self.shape[2:]
    x = self.reshape((n, groups, c // groups) + rest)
    return jnp.swapaxes(x, 1, 2).reshape(self.shape)


_pixel_shuffle = JaxFunction(_pixel_shuffle_fwd, name="pixel_shuffle",
                             node="PixelShuffleBackward0")
_pixel_unshuffle = JaxFunction(_pixel_unshuffle_fwd, name="pixel_unshuffle",
                               node="PixelUnshuffleBackward0")
_channel_shuffle = JaxFunction(_channel_shuffle_fwd, name="channel_shuffle",
                               node="ChannelShuffleBackward0")


@public(method=False, functional=True)
def pixel_shuffle(input, upscale_factor):
    """Matches `torch.nn.functional.pixel_shuffle`."""
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    r = int(upscale_factor)
    if input.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but "
                           f"input.size(-3)={input.shape[-3]} is not divisible by {r * r}")
    return _pixel_shuffle(input, r=r)


@public(method=False, functional=True)
def pixel_unshuffle(input, downscale_factor):
    """Matches `torch.nn.functional.pixel_unshuffle`."""
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    r = int(downscale_factor)
    for name, d in (("height", -2), ("width", -1)):
        if input.shape[d] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({d})={input.shape[d]} is not "
                               f"divisible by {r}")
    return _pixel_unshuffle(input, r=r)


@public(method=False, functional=True)
def channel_shuffle(input, groups):
    """Matches `torch.nn.functional.channel_shuffle`."""
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got "
                           f"{input.shape[1]} channels and {groups} groups.")
    return _channel_shuffle(input, groups=int(groups))


def _im2col_index(size, kernel, dilation, padding, stride):
    """(C-independent) positions into the padded image: (kh*kw, L) flat indices."""
    blocks = [(size[j] + 2 * padding[j] - dilation[j] * (kernel[j] - 1) - 1) // stride[j] + 1
              for j in range(2)]
    ph, pw = size[0] + 2 * padding[0], size[1] + 2 * padding[1]
    ki = np.arange(kernel[0])[:, None] * dilation[0]
    kj = np.arange(kernel[1])[None, :] * dilation[1]
    bi = np.arange(blocks[0])[:, None] * stride[0]
    bj = np.arange(blocks[1])[None, :] * stride[1]
    rows = (ki.reshape(-1, 1, 1, 1) + np.zeros_like(kj).reshape(1, -1, 1, 1)
            + bi.reshape(1, 1, -1, 1))
    cols = (kj.reshape(1, -1, 1, 1) + bj.reshape(1, 1, 1, -1))
    flat = rows * pw + cols
    return flat.reshape(kernel[0] * kernel[1], blocks[0] * blocks[1]), blocks, (ph, pw)


def _unfold_fwd(self, kernel_size, dilation, padding, stride):
    if self.ndim == 3:  # unbatched: im2col takes it as is (one node, no unsqueeze)
        return _unfold_fwd(self[None], kernel_size, dilation, padding, stride)[0]
    n, c, h, w = self.shape
    idx, _, (ph, pw) = _im2col_index((h, w), kernel_size, dilation, padding, stride)
    x = jnp.pad(self, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    cols = x.reshape(n, c, ph * pw)[:, :, idx]  # (n, c, k, L)
    return cols.reshape(n, c * idx.shape[0], idx.shape[1])


def _fold_fwd(self, output_size, kernel_size, dilation, padding, stride):
    if self.ndim == 2:  # unbatched: col2im takes it as is
        return _fold_fwd(self[None], output_size, kernel_size, dilation, padding, stride)[0]
    n = self.shape[0]
    idx, _, (ph, pw) = _im2col_index(output_size, kernel_size, dilation, padding, stride)
    c = self.shape[1] // idx.shape[0]
    cols = self.reshape(n, c, idx.shape[0], idx.shape[1])
    out = jnp.zeros((n, c, ph * pw), self.dtype).at[:, :, idx].add(cols)
    out = out.reshape(n, c, ph, pw)
    return out[:, :, padding[0]:padding[0] + output_size[0],
               padding[1]:padding[1] + output_size[1]]


_unfold = JaxFunction(_unfold_fwd, name="im2col", node="Im2ColBackward0")
_fold = JaxFunction(_fold_fwd, name="col2im", node="Col2ImBackward0")


# (Keyed `nn.functional.unfold`: `Tensor.unfold`, the sliding window, is another op.)
@public(**_F, namespace="nn.functional")
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Matches `torch.nn.functional.unfold` (im2col; 3-d unbatched or 4-d input)."""
    if 0 < input.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-input.ndim}, {input.ndim - 1}], but got {input.ndim})")
    if input.ndim not in (3, 4):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           "and other non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    return _unfold(input, kernel_size=_tuple(kernel_size, 2), dilation=_tuple(dilation, 2),
                   padding=_tuple(padding, 2), stride=_tuple(stride, 2))


@public(**_F)
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Matches `torch.nn.functional.fold` (col2im; 2-d unbatched or 3-d input)."""
    if input.ndim not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           "batch size and non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    out_size, k = _tuple(output_size, 2), _tuple(kernel_size, 2)
    d, p, s = _tuple(dilation, 2), _tuple(padding, 2), _tuple(stride, 2)
    x = input.unsqueeze(0) if input.ndim == 2 else input  # (for the checks)
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size={k}.")
    blocks = [(out_size[j] + 2 * p[j] - d[j] * (k[j] - 1) - 1) // s[j] + 1 for j in range(2)]
    if x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size={out_size}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, stride={s}, expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {blocks[0]} * "
                           f"{blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={x.shape[2]}.")
    return _fold(input, output_size=out_size, kernel_size=k, dilation=d, padding=p, stride=s)



# ================================================================== unpooling, grids
def _max_unpool_fwd(self, indices, output_size):
    nd = len(output_size)
    lead = self.shape[:-nd]
    n = int(np.prod(output_size))
    flat = self.reshape(lead + (-1,))
    idx = indices.reshape(lead + (-1,))
    rows = jnp.arange(int(np.prod(lead)) if lead else 1).reshape(lead + (1,)) if lead else None
    out = jnp.zeros(lead + (n,), self.dtype)
    if lead:
        lead_idx = jnp.unravel_index(jnp.broadcast_to(rows, idx.shape), lead)
        out = out.at[lead_idx + (idx,)].set(flat)
    else:
        out = out.at[idx].set(flat)
    return out.reshape(lead + tuple(output_size))


_MAX_UNPOOL = {n: JaxFunction(_max_unpool_fwd, name=f"max_unpool{n}d",
                              node=f"MaxUnpool{n}DBackward0") for n in (2, 3)}


def _unpool_output_size(input, kernel, stride, padding, output_size):
    nd = len(kernel)
    default = [(input.shape[input.ndim - nd + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(nd)]
    if output_size is None:
        ret = default
    else:
        output_size = list(output_size)
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        if len(output_size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(nd):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between '
                                 f'{lo} and {hi})')
        ret = output_size
    for d in range(nd):
        if ret[d] < 0:
            raise RuntimeError(f"max_unpooling: output_size must contain non-negative spatial "
                               f"dimensions, but got output_size[{d}]={ret[d]}")
    return [int(r) for r in ret]


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd):
    k = _tuple(kernel_size, nd)
    s = k if stride is None else _tuple(stride, nd)
    p = _tuple(padding, nd)
    size = _unpool_output_size(input, k, s, p, output_size)
    if indices.dtype.is_floating_point:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{indices.dtype.scalar_name}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if nd == 1:
        out = _MAX_UNPOOL[2](input.unsqueeze(-1), indices.unsqueeze(-1),
                             output_size=tuple(size) + (1,))
        return out.squeeze(-1)
    return _MAX_UNPOOL[nd](input, indices, output_size=tuple(size))


@public(**_F)
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool1d` (2-d unpooling of input.unsqueeze(-1))."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


@public(**_F)
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool2d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


@public(**_F)
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool3d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


def _linspace_neg_one(n, align_corners, dtype):
    if n <= 1:
        return np.zeros((1,), dtype)
    r = np.linspace(-1.0, 1.0, n).astype(dtype)
    return r if align_corners else r * (n - 1) / n


def _affine_grid_fwd(theta, size, align_corners):
    dt = np.dtype(theta.dtype)
    if len(size) == 4:
        _, _, h, w = size
        base = np.ones((h, w, 3), dt)
        base[..., 0] = _linspace_neg_one(w, align_corners, dt)[None, :]
        base[..., 1] = _linspace_neg_one(h, align_corners, dt)[:, None]
        grid = jnp.einsum("pk,nck->npc", jnp.asarray(base.reshape(-1, 3)), theta,
                          precision=lax.Precision.HIGHEST)
        return grid.reshape(theta.shape[0], h, w, 2)
    _, _, d, h, w = size
    base = np.ones((d, h, w, 4), dt)
    base[..., 0] = _linspace_neg_one(w, align_corners, dt)[None, None, :]
    base[..., 1] = _linspace_neg_one(h, align_corners, dt)[None, :, None]
    base[..., 2] = _linspace_neg_one(d, align_corners, dt)[:, None, None]
    grid = jnp.einsum("pk,nck->npc", jnp.asarray(base.reshape(-1, 4)), theta,
                      precision=lax.Precision.HIGHEST)
    return grid.reshape(theta.shape[0], d, h, w, 3)


# (torch's backward kernel writes its gradient once in place: `.grad._version` 1.)
_affine_grid = JaxFunction(_affine_grid_fwd, name="affine_grid_generator",
                           node="AffineGridGeneratorBackward0", grad_version=1)


@public(**_F)
def affine_grid(theta, size, align_corners=None):
    """Matches `torch.nn.functional.affine_grid`."""
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if "
                      "the old behavior is desired. See the documentation of grid_sample for "
                      "details.", stacklevel=user_stacklevel())
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    given, size = size, [int(s) for s in size]
    if len(size) == 4:
        if theta.ndim != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {given}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=user_stacklevel())
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {given}")
    return _affine_grid(theta, size=tuple(size), align_corners=bool(align_corners))


# ================================================================== random layers
def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_impl(input, p, train, inplace, feature, alpha):
    # ATen's _dropout_impl; masks from tapegrad's generator (`tapegrad.manual_seed`).
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        zero = _const((), 0.0, input)
        return input.mul_(zero) if inplace else input * zero
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = (tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature
             else tuple(input.shape))
    with no_grad():
        noise = _random.bernoulli(_const(shape, 1 - p, input))
        if alpha:
            a_const = 1.7580993408473766
            a = 1.0 / math.sqrt((a_const * a_const * p + 1) * (1 - p))
            b = (noise - 1) * (a_const * a) + a_const * a * p
            noise = noise * a
        else:
            noise = noise / (1 - p)
    out = input.mul_(noise) if inplace else input * noise
    if alpha:
        return out.add_(b)
    return out


def _feature_dropout(input, p, training, inplace, lo, hi, name, warn_only):
    _check_p(p)
    nd = input.ndim
    if nd not in (lo, hi):
        if not warn_only:
            raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D "
                               "input. Note that dropout1d exists to provide channel-wise "
                               "dropout on inputs with 1 spatial dimension, a channel "
                               "dimension, and an optional batch dimension (i.e. 2D or 3D "
                               "inputs).")
        warnings.warn(_errors.NNF_DROPOUT_DIM.format(name=name, nd=nd, k=lo - 1, lo=lo, hi=hi),
                      stacklevel=user_stacklevel())
    batched = nd == hi or name == "dropout2d"
    x = input if batched else (input.unsqueeze_(0) if inplace else input.unsqueeze(0))
    out = _dropout_impl(x, p, training, inplace, True, False)
    if not batched:
        out = out.squeeze_(0) if inplace else out.squeeze(0)
    return out


@public(**_F)
def dropout1d(input, p=0.5, training=True, inplace=False):
    """Matches `torch.nn.functional.dropout1d` (channel masks from tapegrad's generator)."""
    return _feature_dropout(input, p, training, inplace, 2, 3, "dropout1d", False)


@public(**_F)
def dropout2d(input, p=0.5, training=True, inplace=False):
    """Matches `torch.nn.functional.dropout2d` (channel masks from tapegrad's generator)."""
    if input.ndim == 3:
        _check_p(p)
        warnings.warn(_errors.NNF_DROPOUT2D_3D, stacklevel=user_stacklevel())
    return _feature_dropout(input, p, training, inplace, 3, 4, "dropout2d", True)


@public(**_F)
def dropout3d(input, p=0.5, training=True, inplace=False):
    """Matches `torch.nn.functional.dropout3d` (channel masks from tapegrad's generator)."""
    return _feature_dropout(input, p, training, inplace, 4, 5, "dropout3d", True)


@public(**_F, namespace="nn.functional")
def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Matches `torch.nn.functional.alpha_dropout` (masks from tapegrad's generator)."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, False, True)


@public(**_F, namespace="nn.functional")
def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Matches `torch.nn.functional.feature_alpha_dropout` (masks from tapegrad's
    generator)."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, True, True)


@public(**_F)
def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Matches `torch.nn.functional.gumbel_softmax` (noise from tapegrad's generator)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=user_stacklevel())
    with no_grad():
        u = _random.rand(*logits.shape, dtype=logits.dtype)
        gumbels = -(-(1 - u).log()).log()
    y_soft = _softmax((logits + gumbels) / tau, dim)
    if hard:
        with no_grad():
            index = y_soft.argmax(dim, keepdim=True)
            y_hard = _const(tuple(logits.shape), 0.0, logits).scatter(dim, index, 1.0)
        return y_hard - y_soft.detach() + y_soft
    return y_soft


# ================================================================== torch.<name> forms
def _check_p_aten(p):
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p:g}")


@public(name="dropout", method=False)
@_aten("dropout")
def _dropout_aten(input, p, train):
    """Matches `torch.dropout` (ATen's: the input itself when not training or p == 0; masks
    from tapegrad's generator)."""
    _check_p_aten(p)
    return _dropout_impl(input, p, train, False, False, False)


@public(name="alpha_dropout", method=False)
@_aten("alpha_dropout")
def _alpha_dropout_aten(input, p, train):
    """Matches `torch.alpha_dropout` (masks from tapegrad's generator)."""
    _check_p_aten(p)
    return _dropout_impl(input, p, train, False, False, True)


@public(name="feature_dropout", method=False)
@_aten("feature_dropout")
def _feature_dropout_aten(input, p, train):
    """Matches `torch.feature_dropout` (channel masks from tapegrad's generator)."""
    _check_p_aten(p)
    return _dropout_impl(input, p, train, False, True, False)


@public(name="feature_alpha_dropout", method=False)
@_aten("feature_alpha_dropout")
def _feature_alpha_dropout_aten(input, p, train):
    """Matches `torch.feature_alpha_dropout` (channel masks from tapegrad's generator)."""
    _check_p_aten(p)
    return _dropout_impl(input, p, train, False, True, True)
