"""The loss functions of `tapegrad.nn.functional` (re-exported there; torch keeps them in
functional.py). Table ops where torch shows its own node, torch's composites elsewhere."""

from __future__ import annotations

import warnings

import numpy as np

from ..ops import log_softmax as _log_softmax
from ..ops import nn_ops as _nn
from ..ops.pointwise import mul_scalar as _mul_scalar
from ..tensor import Tensor
from ._functional_helpers import (
    _broadcast_pair,
    _const,
    _host_values,
    _legacy_reduction,
    _reduction_enum,
    _warn_target_size,
)
from .._checks import user_stacklevel

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


# ------------------------------------------------------------------ losses
def _pointwise_loss_reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Matches `torch.nn.functional.mse_loss`."""
    _warn_target_size(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _broadcast_pair(input, target)
    if weight is not None:
        return _weighted_reduce((x - y).pow(2) * weight, weight, reduction, input)
    return _nn.mse_loss(x, y, _reduction_enum(reduction))


def _weighted_reduce(loss: Tensor, weight: Tensor, reduction: str, input: Tensor) -> Tensor:
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


def _l1(x: Tensor, y: Tensor, reduction: str) -> Tensor:
    # torch's l1_loss is a composite: (x - y).abs() then the reduction.
    _reduction_enum(reduction)
    return _pointwise_loss_reduce((x - y).abs(), reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Matches `torch.nn.functional.l1_loss`."""
    _warn_target_size(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _broadcast_pair(input, target)
    if weight is not None:
        return _weighted_reduce((x - y).abs() * weight, weight, reduction, input)
    return _l1(x, y, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Matches `torch.nn.functional.smooth_l1_loss` (beta=0 is l1_loss, as in torch)."""
    _warn_target_size(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, y = _broadcast_pair(input, target)
    if beta == 0.0:
        return _l1(x, y, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _nn.smooth_l1_loss(x, y, _reduction_enum(reduction), float(beta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Matches `torch.nn.functional.huber_loss`."""
    _warn_target_size(input, target)
    x, y = _broadcast_pair(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return _nn.huber_loss(x, y, _reduction_enum(reduction), float(delta))
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    loss = _nn.huber_loss(x, y, 0, float(delta)) * weight
    if reduction == "mean":
        return loss.mean()
    return _weighted_reduce(loss, weight, reduction, input)


def _check_targets(target: Tensor, n_classes: int, ignore_index: int) -> None:
    values = _host_values(target)
    if values is None:
        return
    bad = (values != ignore_index) & ((values < 0) | (values >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(values[bad][0])} is out of bounds.")


def _nll_loss_nd(input: Tensor, target: Tensor, weight: Tensor | None, reduction: int,
                 ignore_index: int) -> Tensor:
    # torch's nll_loss_nd: 1-D/2-D -> nll_loss, 4-D -> nll_loss2d, else viewed to 4-D.
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).")
    if target.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Long but found "
                           f"{target.dtype.scalar_name}")
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    _check_targets(target, n_classes, ignore_index)
    w = weight if weight is not None else _const((n_classes,), 1.0, input)
    if input.ndim <= 2:
        return _nn.nll_loss(input, target, w, reduction, ignore_index)
    if input.ndim == 4:
        return _nn.nll_loss2d(input, target, w, reduction, ignore_index)
    n, c = input.shape[:2]
    out_size = (n,) + tuple(input.shape[2:])
    if tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise ValueError(f"Expected target size {list(out_size)}, got {list(target.shape)}")
    out = _nn.nll_loss2d(input.contiguous().view(n, c, 1, -1),
                         target.contiguous().view(n, 1, -1), w, reduction, ignore_index)
    return out.view(out_size) if reduction == 0 else out




def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Matches `torch.nn.functional.nll_loss`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nll_loss_nd(input, target, weight, _reduction_enum(reduction), ignore_index)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Matches `torch.nn.functional.cross_entropy` (class indices or class probabilities)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    red = _reduction_enum(reduction)
    class_dim = 0 if input.ndim == 1 else 1
    if tuple(input.shape) == tuple(target.shape):
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {target.dtype.scalar_name}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_prob_target(input, target, weight, red, label_smoothing)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError("label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
        return _cross_entropy_label_smoothing(input, target, weight, red, ignore_index,
                                              label_smoothing)
    return _nll_loss_nd(_log_softmax(input, class_dim, None), target, weight, red,
                        ignore_index)


def _class_weight_view(weight: Tensor, ndim: int, class_dim: int) -> Tensor:
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return weight.view(shape)


def _cross_entropy_prob_target(input: Tensor, target: Tensor, weight: Tensor | None,
                               reduction: int, label_smoothing: float) -> Tensor:
    # torch's cross_entropy_loss_prob_target, op for op.
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    logp = _log_softmax(input, class_dim, None)
    if label_smoothing > 0.0:
        target = _mul_scalar(target, 1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        prod = prod * _class_weight_view(weight, input.ndim, class_dim)
    if reduction == 1:
        return _nn.div_scalar(-prod.sum(), input.numel() // n_classes)
    if reduction == 2:
        return -prod.sum()
    return -prod.sum(class_dim)


def _cross_entropy_label_smoothing(input: Tensor, target: Tensor, weight: Tensor | None,
                                   reduction: int, ignore_index: int,
                                   label_smoothing: float) -> Tensor:
    # torch's cross_entropy_loss_label_smoothing, op for op.
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    logp = _log_softmax(input, class_dim, None)
    nll = _nll_loss_nd(logp, target, weight, reduction, ignore_index)
    ignore_mask = target == ignore_index
    if weight is not None:
        smooth = -(logp * _class_weight_view(weight, input.ndim, class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = smooth.masked_fill(ignore_mask, 0.0)
    if reduction == 1:
        if weight is not None:
            kept = target.masked_select(ignore_mask.logical_not()).flatten()
            ret = smooth.sum() / weight.gather(0, kept).sum()
        else:
            ret = smooth.sum() / ignore_mask.logical_not().sum()
    elif reduction == 2:
        ret = smooth.sum()
    else:
        ret = smooth
    return _mul_scalar(nll, 1 - label_smoothing) + _mul_scalar(ret, label_smoothing / n_classes)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Matches `torch.nn.functional.binary_cross_entropy` (log terms clamped at -100)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    red = _reduction_enum(reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the "
                         f"input size ({input.size()}) is deprecated. Please ensure they have "
                         "the same size.")
    values = _host_values(input)
    if values is not None and ((values < 0) | (values > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    w = weight.expand(tuple(np.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))) \
        if weight is not None else _const(tuple(input.shape), 1.0, input)
    return _nn.binary_cross_entropy(input, target, w, red)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Matches `torch.nn.functional.binary_cross_entropy_with_logits`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    red = _reduction_enum(reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    w = weight if weight is not None else _const((), 1.0, input)
    pw = pos_weight if pos_weight is not None else _const((), 1.0, input)
    return _nn.binary_cross_entropy_with_logits(input, target, w, pw, red)


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Matches `torch.nn.functional.kl_div` (a composite in torch too)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "mean")
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", stacklevel=user_stacklevel())
    red = "sum" if reduction == "batchmean" else reduction
    _reduction_enum(red)
    if log_target:
        out = target.exp() * (target - input)
    else:
        out = _nn.xlogy(target, target) - target * input
    reduced = _pointwise_loss_reduce(out, red)
    if reduction == "batchmean" and input.ndim != 0:
        reduced = reduced / input.size()[0]
    return reduced
