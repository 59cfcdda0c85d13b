"""`torch.<name>` forms of nn operations whose `nn.functional` form lives in `tapegrad.nn`.

These are ATen's entry points, with ATen's signatures: reductions are the int enum (0 none,
1 mean, 2 sum; any other value is none, and the Python default is 0), the required arguments
have no defaults (`torch.dropout(input, p, train)`), the norms take a `cudnn_enabled` flag
(no effect on the CPU), and the checks are ATen's (nn.functional adds Python checks of its
own before calling these). The graphs are torch's: the same ops as the nn.functional forms.
"""

from __future__ import annotations

import warnings

import numpy as np
from jax.core import Tracer

from ... import _checks, _errors
from ..._checks import user_stacklevel
from ..._grad_mode import no_grad
from ...tensor import from_jax
from .. import nn_ops as _nn
from .._registry import public
from ..shape import pad as _pad
from ._common import SAME_PADDING_WARNED, _aten, _const, _int_reduction, _tuple

_TOP = dict(method=False)


# ================================================================== losses
@public(name="kl_div", **_TOP)
@_aten("kl_div")
def _kl_div(input, target, reduction=0, *, log_target=False):
    """Matches `torch.kl_div` (ATen's composite; reduction 0 none, 1 mean, 2 sum)."""
    _int_reduction("kl_div", 3, reduction)
    if log_target:
        out = target.exp() * (target - input)
    else:
        out = _nn.xlogy(target, target) - target * input
    return out.mean() if reduction == 1 else out.sum() if reduction == 2 else out


@public(name="binary_cross_entropy_with_logits", **_TOP)
@_aten("binary_cross_entropy_with_logits")
def _bce_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """Matches `torch.binary_cross_entropy_with_logits` (one fused node; reduction 0 none,
    1 mean, 2 sum)."""
    _int_reduction("binary_cross_entropy_with_logits", 5, reduction)
    shape = tuple(target.shape)
    if tuple(input.shape) != shape:
        # ATen's kernel writes into a target-shaped result: the input broadcasts to it.
        out = _checks.broadcast_shapes(shape, tuple(input.shape))
        if out != shape:
            raise RuntimeError(_errors.TOP_OUTPUT_SHAPE.format(shape=list(shape),
                                                               out=list(out)))
    for t in (weight, pos_weight):
        if t is not None:
            _checks.broadcast_shapes(shape, tuple(t.shape))
    w = weight if weight is not None else _const((), 1.0, input)
    pw = pos_weight if pos_weight is not None else _const((), 1.0, input)
    return _nn.binary_cross_entropy_with_logits(input, target, w, pw,
                                                reduction if reduction in (1, 2) else 0)


# ================================================================== normalization
def _check_features(name, n, t):
    if t is not None and t.numel() != n:
        raise RuntimeError(_errors.TOP_NUM_FEATURES.format(name=name, n=n, got=t.numel()))


@public(name="batch_norm", **_TOP)
@_aten("batch_norm")
def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                cudnn_enabled):
    """Matches `torch.batch_norm` (NativeBatchNormBackward0; in training the running
    statistics are updated in place as torch's CPU kernel does, without a version bump)."""
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is None and not training:
            raise RuntimeError(f"{name} must be defined in evaluation mode")
        _check_features(name, c, t)
    _check_features("weight", c, weight)
    _check_features("bias", c, bias)
    w = weight if weight is not None else _const((c,), 1.0, input)
    b = bias if bias is not None else _const((c,), 0.0, input)
    rm = from_jax(running_mean.jax()) if running_mean is not None else _const((c,), 0.0, input)
    rv = from_jax(running_var.jax()) if running_var is not None else _const((c,), 1.0, input)
    out, mean, var = _nn.native_batch_norm(input, w, b, rm, rv, bool(training),
                                           float(momentum), float(eps))
    if training and running_mean is not None and running_var is not None:
        count = input.numel() // c
        unbiased = count / (count - 1) if count > 1 else float("inf")
        with no_grad():
            new_mean = mean * momentum + running_mean * (1 - momentum)
            new_var = var * unbiased * momentum + running_var * (1 - momentum)
            running_mean.data.copy_(new_mean)
            running_var.data.copy_(new_var)
    return out


@public(name="layer_norm", **_TOP)
@_aten("layer_norm")
def _layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5,
                cudnn_enable=True):
    """Matches `torch.layer_norm` (NativeLayerNormBackward0)."""
    if not isinstance(normalized_shape, (tuple, list)):  # (nn.LayerNorm makes an int a tuple)
        raise TypeError(_errors.ARGUMENT_TYPE.format(
            name="layer_norm", arg="normalized_shape", position=2, expected="tuple of ints",
            type_name=type(normalized_shape).__name__))
    shape = tuple(int(s) for s in normalized_shape)
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in shape)}], but got input of size"
            f"{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(t.shape)} and normalized_shape = {list(shape)}")
    w = weight if weight is not None else _const(shape, 1.0, input)
    b = bias if bias is not None else _const(shape, 0.0, input)
    return _nn.native_layer_norm(input, w, b, shape, float(eps))[0]


@public(name="group_norm", **_TOP)
@_aten("group_norm")
def _group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """Matches `torch.group_norm` (NativeGroupNormBackward0)."""
    c = input.shape[_checks.wrap_dim(1, input.ndim)]
    if c % num_groups != 0:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            # (torch's message for the bias shows the weight's shape, [0] without one.)
            shown = t if name == "weight" else weight
            raise RuntimeError(_errors.TOP_GROUP_NORM_AFFINE.format(
                name=name, shape=list(shown.shape) if shown is not None else [0],
                input=list(input.shape)))
    w = weight if weight is not None else _const((c,), 1.0, input)
    b = bias if bias is not None else _const((c,), 0.0, input)
    return _nn.native_group_norm(input, w, b, int(num_groups), float(eps))[0]


# ================================================================== layers
def _conv(input, weight, bias, stride, padding, dilation, groups, nd, name):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    unbatched = input.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    if input.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
            f"{input.shape[1]} channels instead")
    stride, dilation = _tuple(stride, nd), _tuple(dilation, nd)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            totals = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:], strict=True)]
            pads = tuple((t // 2, t // 2) for t in totals)
            if any(t % 2 for t in totals):
                # ATen's _convolution_mode: the input padded by one on the right first.
                if not SAME_PADDING_WARNED:
                    SAME_PADDING_WARNED.append(True)
                    warnings.warn(_errors.TOP_SAME_PADDING, stacklevel=user_stacklevel())
                extra = []
                for t in reversed(totals):
                    extra += [0, t % 2]
                input = _pad(input, extra)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = tuple((p, p) for p in _tuple(padding, nd))
    if bias is None:
        bias = _const((weight.shape[0],), 0.0, weight)
    out = _nn.convolution(input, weight, bias, stride, pads, dilation, groups)
    return out.squeeze(0) if unbatched else out


@public(name="conv1d", **_TOP)
@_aten("conv1d")
def _conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Matches `torch.conv1d` (ConvolutionBackward0; padding a number or 'valid'/'same')."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


@public(name="conv2d", **_TOP)
@_aten("conv2d")
def _conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Matches `torch.conv2d` (ConvolutionBackward0; padding a number or 'valid'/'same')."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


@public(name="embedding", **_TOP)
@_aten("embedding")
def _embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Matches `torch.embedding` (EmbeddingBackward0; dense gradients only)."""
    if sparse:
        raise NotImplementedError("tapegrad: sparse embedding gradients are not supported")
    if indices.dtype.name not in ("int64", "int32"):
        name = indices.dtype.scalar_name
        legacy = name in ("Float", "Double", "Half", "Short", "Char", "Byte")
        raise RuntimeError(_errors.TOP_EMBEDDING_INDICES.format(
            type=indices.dtype.legacy_name if legacy else f"CPU{name}Type"))
    values = indices.jax()
    if not isinstance(values, Tracer) and values.size:
        # (torch's CPU kernel checks the indices too, on the host; skipped inside a trace.)
        values = np.asarray(values)
        if values.min() < 0 or values.max() >= weight.shape[0]:
            raise IndexError("index out of range in self")
    return _nn.embedding(weight, indices, int(padding_idx), bool(scale_grad_by_freq))


@public(name="bilinear", **_TOP)
@_aten("bilinear")
def _bilinear(input1, input2, weight, bias=None):
    """Matches `torch.bilinear` (ATen's: _trilinear of the flattened inputs, reshaped)."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: "
                               f"got {input1.shape[i]} and {input2.shape[i]}")
    for which, x, k in (("input1", input1, 1), ("input2", input2, 2)):
        if x.shape[-1] != weight.shape[k]:
            raise RuntimeError(f"bilinear(): {which} size does not match weight size: got "
                               f"{x.shape[-1]} but expected {weight.shape[k]}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[0]} but expected {weight.shape[0]}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, input1.shape[-1])
    x2 = input2.reshape(-1, input2.shape[-1])
    out = _nn.trilinear(x1, weight, x2).reshape(lead + (weight.shape[0],))
    return out + bias if bias is not None else out



# ================================================================== recurrent cells
def _linear(x, w, b):
    # at::linear on the 2-d input of a cell: addmm with a bias, mm without.
    if x.ndim != 2 or x.shape[-1] != w.shape[-1]:
        if x.shape[-1] != w.shape[-1]:
            rows = x.numel() // x.shape[-1]
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x"
                               f"{x.shape[-1]} and {w.shape[1]}x{w.shape[0]})")
        raise NotImplementedError("tapegrad: the torch.*_cell functions take 2-d input")
    return x.matmul(w.t()) if b is None else _nn.addmm(b, x, w.t())


def _check_cell(input, hx, w_ih, w_hh, label=0):
    if label == 0 and input.shape[_checks.wrap_dim(1, input.ndim)] != w_ih.shape[1]:
        raise RuntimeError(_errors.TOP_RNN_INPUT_SIZE.format(got=input.shape[1],
                                                             expected=w_ih.shape[1]))
    if input.shape[0] != hx.shape[0]:
        raise RuntimeError(_errors.TOP_RNN_BATCH.format(got=input.shape[0], label=label,
                                                        hx=hx.shape[0]))
    size = hx.shape[_checks.wrap_dim(1, hx.ndim)]
    if size != w_hh.shape[1]:
        raise RuntimeError(_errors.TOP_RNN_HIDDEN_SIZE.format(label=label, got=size,
                                                              expected=w_hh.shape[1]))


@public(name="rnn_tanh_cell", **_TOP)
@_aten("rnn_tanh_cell")
def _rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """Matches `torch.rnn_tanh_cell`: tanh(linear(hx) + linear(input)) (ATen's SimpleCell)."""
    _check_cell(input, hx, w_ih, w_hh)
    return _linear(hx, w_hh, b_hh).add_(_linear(input, w_ih, b_ih)).tanh()


@public(name="rnn_relu_cell", **_TOP)
@_aten("rnn_relu_cell")
def _rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """Matches `torch.rnn_relu_cell`: relu(linear(hx) + linear(input)) (ATen's SimpleCell)."""
    _check_cell(input, hx, w_ih, w_hh)
    return _linear(hx, w_hh, b_hh).add_(_linear(input, w_ih, b_ih)).relu()


@public(name="gru_cell", **_TOP)
@_aten("gru_cell")
def _gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """Matches `torch.gru_cell` (ATen's GRUCell, its in-place steps included)."""
    _check_cell(input, hx, w_ih, w_hh)
    ig = _linear(input, w_ih, b_ih).unsafe_chunk(3, 1)
    hg = _linear(hx, w_hh, b_hh).unsafe_chunk(3, 1)
    reset = hg[0].add_(ig[0]).sigmoid_()
    update = hg[1].add_(ig[1]).sigmoid_()
    new = ig[2].add(hg[2].mul_(reset)).tanh_()
    return (hx - new).mul_(update).add_(new)


@public(name="lstm_cell", **_TOP)
@_aten("lstm_cell")
def _lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """Matches `torch.lstm_cell`: (h, c) (ATen's LSTMCell, its in-place steps included)."""
    if len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states")
    h, c = hx
    _check_cell(input, h, w_ih, w_hh, 0)
    _check_cell(input, c, w_ih, w_hh, 1)
    gates = _linear(h, w_hh, b_hh).add_(_linear(input, w_ih, b_ih)).unsafe_chunk(4, 1)
    ingate = gates[0].sigmoid_()
    forgetgate = gates[1].sigmoid_()
    cellgate = gates[2].tanh_()
    outgate = gates[3].sigmoid_()
    cy = (forgetgate * c).add_(ingate * cellgate)
    return outgate * cy.tanh(), cy
