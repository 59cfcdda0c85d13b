"""Losses, distances and normalizations."""

from __future__ import annotations

import math
import warnings

import jax.numpy as jnp
import numpy as np

from ... import _errors
from ..._grad_mode import no_grad
from .. import nn_ops as _nn
from .. import pointwise as _pw
from .._op import Op
from .._registry import public
from ..from_jax import JaxFunction
from ..shape import pad as _pad
from ._common import (_F, _aten, _const, _float_only, _int_reduction,  # noqa: F401
                      _reduce_int, _tuple)

_NNF = dict(_F, namespace="nn.functional")  # where torch.<name> is declared too
from .spatial import avg_pool3d

from ..special import _add_scalar as _special_add_scalar  # noqa: E402
from ..._checks import user_stacklevel

# ================================================================== losses, distances, norms
# ATen's Scalar overloads inside composites: `t + 0.5` is add.Scalar (AddBackward1) there.
add_scalar = _special_add_scalar  # one add.Scalar declaration (ops/special.py)
sub_scalar = _pw.sub_scalar  # one sub.Scalar declaration (ops/pointwise.py)


def _norm_fwd(self, p, dim, keepdim):
    a = jnp.abs(self)
    if p == 2:
        return jnp.sqrt(jnp.sum(a * a, axis=dim, keepdims=keepdim))
    if p == 1:
        return jnp.sum(a, axis=dim, keepdims=keepdim)
    return jnp.sum(a ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)


def _norm_backward(grad, self, p, result, dim, keepdim):
    # torch's norm_backward for a finite p > 0.
    if not keepdim:
        for d in sorted(dim) if isinstance(dim, tuple) else (dim,):  # (frobenius_norm: a tuple)
            grad = grad.unsqueeze(d)
            result = result.unsqueeze(d)
    if p == 1:
        return self.sgn() * grad
    if p == 2:
        return self * (grad / result).masked_fill(result == 0, 0)
    return (self * self.abs().pow(p - 2) * grad / result.pow(p - 1)).masked_fill(result == 0, 0)


# norm.ScalarOpt_dim (pairwise_distance's norm): NormBackward1.
norm_dim = Op("_norm_dim", "NormBackward1", _norm_fwd, static=("p", "dim", "keepdim"),
              dtype_rule="keep", derivatives={"self": _norm_backward})


def _reduction_enum(reduction):
    if reduction not in _nn.REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _nn.REDUCTIONS[reduction]


def _legacy(size_average, reduce, reduction):
    # torch's _Reduction.legacy_get_string (with its deprecation warning).
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=user_stacklevel())
    return ret


def _soft_margin_fwd(self, target, reduction):
    return _nn._reduce(jnp.log1p(jnp.exp(-target * self)), reduction)


soft_margin_loss_op = _nn._op("soft_margin_loss", "SoftMarginLossBackward0", _soft_margin_fwd,
                              ("self", "target"), ("self",), ("reduction",),
                              promote=("self", "target"))


@public(**_F)
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.soft_margin_loss`."""
    reduction = _legacy(size_average, reduce, reduction)
    return soft_margin_loss_op(input, target, _reduction_enum(reduction))


def _multi_margin_fwd(self, target, weight, p, margin, reduction):
    x = self if self.ndim == 2 else self.reshape(1, -1)
    t = target.reshape(-1)
    picked = jnp.take_along_axis(x, t[:, None], axis=1)
    z = jnp.maximum(margin - picked + x, 0)
    if p == 2:
        z = z * z
    z = z * weight[t][:, None]
    z = jnp.where(jnp.arange(x.shape[1])[None, :] == t[:, None], 0, z)
    loss = jnp.sum(z, axis=1) / x.shape[1]
    if self.ndim < 2 and reduction == 0:
        loss = loss.reshape(())
    return _nn._reduce(loss, reduction)


multi_margin_loss_op = _nn._op("multi_margin_loss", "MultiMarginLossBackward0",
                               _multi_margin_fwd, ("self", "target", "weight"), ("self",),
                               ("p", "margin", "reduction"), promote=("self", "weight"))


@public(**_F)
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.multi_margin_loss`."""
    reduction = _legacy(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    dim = input.ndim
    n_classes = input.shape[-1] if dim else 1
    if not (dim <= 1 and target.numel() == 1) and not (dim == 2 and input.shape[0] != 0
                                                       and target.ndim <= 1
                                                       and target.numel() == input.shape[0]):
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{input.shape[0] if dim == 2 else 1}], but got "
                           f"{list(target.shape)}. Input has shape {list(input.shape)}.")
    w = weight if weight is not None else _const((n_classes,), 1.0, input)
    return multi_margin_loss_op(input if dim else input.reshape(1), target, w, int(p),
                                float(margin), _reduction_enum(reduction))


def _multilabel_margin_fwd(self, target, reduction):
    x = self if self.ndim == 2 else self.reshape(1, -1)
    t = target.reshape(x.shape)
    c = x.shape[1]
    valid = jnp.cumprod(t != -1, axis=1).astype(bool)
    is_target = jnp.any((t[:, :, None] == jnp.arange(c)[None, None, :]) & valid[:, :, None],
                        axis=1)  # (n, c)
    tgt = jnp.where(valid, t, 0)
    xj = jnp.take_along_axis(x, tgt, axis=1)  # (n, c) the target entries
    z = jnp.maximum(1 - xj[:, :, None] + x[:, None, :], 0)  # (n, j, k)
    z = z * valid[:, :, None] * (~is_target)[:, None, :]
    loss = jnp.sum(z, axis=(1, 2)) / c
    if self.ndim < 2 and reduction == 0:
        loss = loss.reshape(())
    return _nn._reduce(loss, reduction)


multilabel_margin_loss_op = _nn._op("multilabel_margin_loss", "MultilabelMarginLossBackward0",
                                    _multilabel_margin_fwd, ("self", "target"), ("self",),
                                    ("reduction",), promote=("self",))


@public(**_F)
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.multilabel_margin_loss`."""
    reduction = _legacy(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape) or input.ndim > 2:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    return multilabel_margin_loss_op(input, target, _reduction_enum(reduction))


@public(**_NNF)
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """Matches `torch.nn.functional.margin_ranking_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    return _margin_ranking_aten(input1, input2, target, margin, _reduction_enum(reduction))


@public(name="margin_ranking_loss", method=False)
@_aten("margin_ranking_loss")
def _margin_ranking_aten(input1, input2, target, margin=0.0, reduction=0):
    """Matches `torch.margin_ranking_loss` (reduction: 0 none, 1 mean, 2 sum)."""
    _int_reduction("margin_ranking_loss", 5, reduction)
    out = add_scalar(-target * (input1 - input2), margin)
    return _reduce_int(out.clamp_min_(0), reduction)


@public(**_NNF)
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """Matches `torch.nn.functional.hinge_embedding_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    return _hinge_aten(input, target, margin, _reduction_enum(reduction))


@public(name="hinge_embedding_loss", method=False)
@_aten("hinge_embedding_loss")
def _hinge_aten(input, target, margin=1.0, reduction=0):
    """Matches `torch.hinge_embedding_loss` (reduction: 0 none, 1 mean, 2 sum)."""
    _int_reduction("hinge_embedding_loss", 4, reduction)
    zeros = _const(tuple(input.shape), 0.0, input)
    margin_clamp = (_const((), margin, input) - input).clamp_min_(0)
    output_margin = margin_clamp.where(target != 1, zeros)
    output_self = input.where(target != -1, zeros)
    return _reduce_int(output_margin + output_self, reduction)


@public(**_NNF)
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """Matches `torch.nn.functional.cosine_embedding_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    return _cosine_embedding_aten(input1, input2, target, margin, _reduction_enum(reduction))


@public(name="cosine_embedding_loss", method=False)
@_aten("cosine_embedding_loss")
def _cosine_embedding_aten(input1, input2, target, margin=0.0, reduction=0):
    """Matches `torch.cosine_embedding_loss` (reduction: 0 none, 1 mean, 2 sum)."""
    _int_reduction("cosine_embedding_loss", 5, reduction)
    d = target.ndim
    if d not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if (input1.ndim, input2.ndim) != (d + 1, d + 1):
        raise RuntimeError(f"{d}D target tensor expects {d + 1}D input tensors, but found "
                           f"inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod_sum = (input1 * input2).sum(d)
    mag1 = add_scalar((input1 * input1).sum(d), eps)
    mag2 = add_scalar((input2 * input2).sum(d), eps)
    denom = (mag1 * mag2).sqrt_()
    cos = prod_sum / denom
    zeros = _const(tuple(cos.shape), 0.0, cos)
    pos = _const((), 1.0, cos) - cos
    neg = sub_scalar(cos, margin).clamp_min_(0)
    output = pos.where(target == 1, zeros) + neg.where(target == -1, zeros)
    return _reduce_int(output, reduction)


@public(method=False, functional=True)
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """Matches `torch.nn.functional.pairwise_distance` (norm(x1 - x2 + eps, p, -1))."""
    if p == float("inf") or p <= 0:
        raise NotImplementedError("tapegrad: pairwise_distance with p <= 0 or inf is not "
                                  "supported")
    out_dim = max(x1.ndim, x2.ndim)
    return norm_dim(add_scalar(x1 - x2, eps), float(p), max(out_dim - 1, 0), bool(keepdim))


@public(**_NNF)
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.triplet_margin_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return _triplet_aten(anchor, positive, negative, margin, p, eps, swap,
                         _reduction_enum(reduction))


@public(name="triplet_margin_loss", method=False)
@_aten("triplet_margin_loss")
def _triplet_aten(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                  reduction=0):
    """Matches `torch.triplet_margin_loss` (reduction: 0 none, 1 mean, 2 sum)."""
    _int_reduction("triplet_margin_loss", 8, reduction)
    a, pos, neg = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pos == neg):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pos}D, "
                           f"and negative {neg}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce_int((add_scalar(d_pos, margin) - d_neg).clamp_min(0), reduction)


@public(**_F)
def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Matches `torch.nn.functional.triplet_margin_with_distance_loss`."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pos == neg):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pos}D, "
                           f"and negative {neg}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    loss = (margin + d_pos - d_neg).clamp_min(0)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


@public(**_NNF)
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.poisson_nll_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    return _poisson_nll_aten(input, target, log_input, full, eps, _reduction_enum(reduction))


@public(name="poisson_nll_loss", method=False)
@_aten("poisson_nll_loss")
def _poisson_nll_aten(input, target, log_input, full, eps, reduction):
    """Matches `torch.poisson_nll_loss` (reduction: 0 none, 1 mean, 2 sum)."""
    _int_reduction("poisson_nll_loss", 6, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * add_scalar(input, eps).log()
    if full:
        stirling = (target * target.log() - target
                    + _pw.mul_scalar(_pw.mul_scalar(target, 2 * math.pi).log(), 0.5))
        loss = loss.add_(stirling.masked_fill(target <= 1, 0))  # ATen's `loss +=`
    return _reduce_int(loss, reduction)


@public(**_F)
def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Matches `torch.nn.functional.gaussian_nll_loss`."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * _const(tuple(input.shape), 1.0, input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(
                y for x, y in zip(input.size(), var.size(), strict=True) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


@public(**_F)
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Matches `torch.nn.functional.multilabel_soft_margin_loss`."""
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction)
    loss = -(target * _pw.logsigmoid(input) + (1 - target) * _pw.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


@public(method=False, functional=True)
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Matches `torch.nn.functional.cosine_similarity` (norms cloned and clamped without
    grad, as ATen's)."""
    if x1.shape != x2.shape:
        shape = _broadcast(x1, x2)  # ATen's expand_outplace: both expanded
        x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = x1.norm(2, dim, keepdim=True).clone()
    n2 = x2.norm(2, dim, keepdim=True).clone()
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _broadcast(a, b):
    return tuple(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))


@public(**_F)
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Matches `torch.nn.functional.normalize`."""
    if out is not None:
        raise NotImplementedError("tapegrad: normalize(out=) is not supported")
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


@public(method=False, functional=True)
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Matches `torch.nn.functional.rms_norm` (CPU composite)."""
    shape = (tuple(normalized_shape) if isinstance(normalized_shape, (tuple, list))
             else (int(normalized_shape),))
    if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*{', '.join(str(s) for s in shape)}], but got input of size"
            f"{list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * add_scalar(input.pow(2).mean(dims, keepdim=True), eps).rsqrt()
    return out * weight if weight is not None else out


@public(method=False, functional=True)
def pdist(input, p=2):
    """Matches `torch.nn.functional.pdist` (PdistBackward0)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return _pdist(input, p=float(p))


def _pdist_fwd(self, p):
    n = self.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = jnp.abs(self[i] - self[j])
    if p == 2:
        return jnp.sqrt(jnp.sum(diff * diff, axis=-1))
    if p == 1:
        return jnp.sum(diff, axis=-1)
    return jnp.sum(diff ** p, axis=-1) ** (1.0 / p)


_pdist = JaxFunction(_pdist_fwd, name="pdist", node="PdistBackward0")


@public(**_F)
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Matches `torch.nn.functional.local_response_norm`."""
    dim = input.ndim
    if dim < 3:
        raise ValueError(_errors.NNF_LRN_DIM.format(dim=dim))
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = _pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = _nn.avg_pool2d(div, (size, 1), (1, 1), (0, 0), False, True, None).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = _pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


@public(**_NNF)
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Matches `torch.nn.functional.instance_norm` (ATen's: batch norm over (1, N*C, ...),
    weight and bias repeated N times; running stats updated with the batch's average)."""
    if use_input_stats:
        size = tuple(input.shape)
        spatial = 1
        for s in size[2:]:
            spatial *= s
        if spatial == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {input.size()}")
    return _instance_norm_aten(input, weight, bias, running_mean, running_var,
                               use_input_stats, momentum, eps, False)


@public(name="instance_norm", method=False)
@_aten("instance_norm")
def _instance_norm_aten(input, weight, bias, running_mean, running_var, use_input_stats,
                        momentum, eps, cudnn_enabled):
    """Matches `torch.instance_norm` (`cudnn_enabled` has no effect on the CPU)."""
    b, c = input.shape[:2]
    shape = (1, b * c) + tuple(input.shape[2:])
    w = weight.repeat(b) if weight is not None else _const((b * c,), 1.0, input)
    bb = bias.repeat(b) if bias is not None else _const((b * c,), 0.0, input)
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    rm = (running_mean.detach().repeat(b) if running_mean is not None
          else _const((b * c,), 0.0, input))
    rv = (running_var.detach().repeat(b) if running_var is not None
          else _const((b * c,), 1.0, input))
    out, mean, var = _nn.native_batch_norm(input.contiguous().view(shape), w, bb, rm, rv,
                                           bool(use_input_stats), float(momentum), float(eps))
    if use_input_stats and running_mean is not None and running_var is not None:
        count = input.numel() // (b * c)
        with no_grad():
            new_mean = (mean * momentum + rm * (1 - momentum)).view(b, c).mean(0)
            new_var = (var * (count / (count - 1)) * momentum
                       + rv * (1 - momentum)).view(b, c).mean(0)
            # ATen writes through an alias: a version bump, unlike batch_norm's kernel.
            running_mean.copy_(new_mean)
            running_var.copy_(new_var)
    return out.view(tuple(input.shape))


# ================================================================== unpooling, grids
