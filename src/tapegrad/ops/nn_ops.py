"""The nn op table: layers and losses whose node torch names after the ATen op itself.

Where torch shows its own node (`AddmmBackward0`, `ConvolutionBackward0`,
`NativeBatchNormBackward0`, `NllLossBackward0`, ...), the op is declared here as an `Op` with
torch's input names, so node names, `next_functions` (one edge per differentiable input, `None`
for an input that does not require grad) and `_saved_<name>` attributes match torch's. Where
torch composes other ops (l1_loss, kl_div, cross_entropy, dropout, ...), `nn.functional`
composes tapegrad ops instead and nothing is declared here.

Derivative formulas: `addmm` is written in tapegrad ops (as in derivatives.yaml). The others
call a backward computed by `jax.vjp` of the entry's own forward (`_vjp_formulas`), or a
hand-written JAX backward where torch's formula differs from the vjp (`binary_cross_entropy`,
`embedding`, `max_pool2d_with_indices`). Those backwards are `JaxFunction`s, so
`create_graph=True` works to any order. The double-backward graph's nodes are named in torch's
pattern (`ConvolutionBackwardBackward0`, ...) but are generic vjp nodes: their edges and saved
values are not torch's, and torch's backward kernels sometimes decompose further.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ._op import Op
from .from_jax import JaxFunction
from .pointwise import div_scalar  # declared beside mul.Scalar; composites here use it

__all__ = ["addmm", "convolution", "max_pool2d_with_indices", "avg_pool2d",
           "adaptive_avg_pool2d", "native_batch_norm", "native_layer_norm", "native_group_norm",
           "embedding", "trilinear", "baddbmm", "sdpa_flash_cpu", "mse_loss", "smooth_l1_loss",
           "huber_loss", "nll_loss", "nll_loss2d",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "div_scalar",
           "REDUCTIONS"]

# torch's at::Reduction enum; the ops take the int, as ATen's do (`_saved_reduction == 1`).
REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _reduce(loss, reduction: int):
    if reduction == 1:
        return jnp.mean(loss)
    if reduction == 2:
        return jnp.sum(loss)
    return loss


def _double_backward_node(node: str) -> str:
    # torch names the node of a backward kernel `<Node without the 0>Backward0`.
    return node[:-1] + "Backward0"


def _vjp_formulas(forward: Callable, inputs: Sequence[str], diff: Sequence[str],
                  static: Sequence[str], name: str, first_output: bool = False,
                  node: str | None = None, precision: str | None = None) -> dict:
    """Formulas for the inputs `diff` of an entry: the vjp of its `forward`, one JaxFunction.

    Each formula takes (grad, *inputs, *static) by name, which is what the node then saves.
    """
    diff_idx = [inputs.index(d) for d in diff]

    def backward(grad, *arrays, **static_values):
        def partial(*diff_arrays):
            full = list(arrays)
            for i, a in zip(diff_idx, diff_arrays, strict=True):
                full[i] = a
            out = forward(*full, **static_values)
            return out[0] if first_output else out

        out, pullback = jax.vjp(partial, *[arrays[i] for i in diff_idx])
        return tuple(pullback(grad.astype(out.dtype)))

    backward_fn = JaxFunction(backward, name=name, node=node, precision=precision)
    formulas = {}
    params = [inspect.Parameter("grad", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
        inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in (*inputs, *static)]
    for k, input_name in enumerate(diff):
        def formula(grad, _k=k, **kw):
            return backward_fn(grad, *(kw[n] for n in inputs),
                               **{s: kw[s] for s in static})[_k]

        formula.__signature__ = inspect.Signature(params)
        formula.__name__ = f"{name}_{input_name}"
        formulas[input_name] = formula
    return formulas


def _op(name: str, node: str, forward: Callable, inputs: Sequence[str], diff: Sequence[str],
        static: Sequence[str] = (), *, first_output: bool = False,
        precision: str | None = None, **kw) -> Op:
    """An entry whose formulas are the vjp of its forward (see module docstring)."""
    return Op(name, node, forward, inputs=inputs, static=static, precision=precision,
              derivatives=_vjp_formulas(forward, list(inputs), list(diff), list(static),
                                        name + "_backward", first_output,
                                        _double_backward_node(node), precision), **kw)


def _maybe_multiply(t, s):
    return t if s == 1 else t * s


# ------------------------------------------------------------------ linear algebra
# torch's F.linear on 2-D input with bias is addmm(bias, input, weight.t()).
addmm = Op("addmm", "AddmmBackward0",
           lambda self, mat1, mat2, beta, alpha: _maybe_multiply(self, beta)
           + _maybe_multiply(jnp.matmul(mat1, mat2), alpha),
           inputs=("self", "mat1", "mat2"), static=("beta", "alpha"), precision="matmul",
           defaults={"beta": 1, "alpha": 1},
           derivatives={
               "self": lambda grad, beta: _maybe_multiply(grad, beta),
               "mat1": lambda grad, mat2, alpha: _maybe_multiply(grad.mm(mat2.t()), alpha),
               "mat2": lambda grad, mat1, alpha: _maybe_multiply(mat1.t().mm(grad), alpha)})

# MultiheadAttention with a mask: baddbmm(attn_mask, q_scaled, k^T).
baddbmm = Op("baddbmm", "BaddbmmBackward0",
             lambda self, batch1, batch2, beta, alpha: _maybe_multiply(self, beta)
             + _maybe_multiply(jnp.matmul(batch1, batch2), alpha),
             inputs=("self", "batch1", "batch2"), static=("beta", "alpha"), precision="matmul",
             defaults={"beta": 1, "alpha": 1},
             derivatives={
                 "self": lambda grad, beta: _maybe_multiply(grad, beta),
                 "batch1": lambda grad, batch2, alpha: _maybe_multiply(
                     grad.bmm(batch2.transpose(1, 2)), alpha),
                 "batch2": lambda grad, batch1, alpha: _maybe_multiply(
                     batch1.transpose(1, 2).bmm(grad), alpha)})


def _sdpa_flash_cpu(query, key, value, attn_mask, is_causal, scale):
    # The math of torch's CPU flash-attention kernel (its backward here is the vjp).
    attn = jnp.einsum("...ld,...sd->...ls", query * scale, key)
    if is_causal:
        L, S = attn.shape[-2:]
        attn = jnp.where(jnp.tril(jnp.ones((L, S), bool)), attn, -jnp.inf)
    attn = jax.nn.softmax(attn + attn_mask, axis=-1)
    return jnp.einsum("...ls,...sd->...ld", attn, value)


# torch's CPU scaled_dot_product_attention for 4-D inputs without dropout.
sdpa_flash_cpu = _op("_scaled_dot_product_flash_attention_for_cpu",
                     "ScaledDotProductFlashAttentionForCpuBackward0", _sdpa_flash_cpu,
                     ("query", "key", "value", "attn_mask"), ("query", "key", "value"),
                     ("is_causal", "scale"), promote=("query", "key", "value"),
                     precision="matmul")

# torch's bilinear: _trilinear(x1.view(-1, in1), weight, x2.view(-1, in2)), then a view.
trilinear = _op("_trilinear", "TrilinearBackward0",
                lambda i1, i2, i3: jnp.einsum("bi,oij,bj->bo", i1, i2, i3),
                ("i1", "i2", "i3"), ("i1", "i2", "i3"), precision="matmul")



# ------------------------------------------------------------------ convolution
_DIMENSION_NUMBERS = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"),
                      3: ("NCDHW", "OIDHW", "NCDHW")}


def _convolution(input, weight, bias, stride, padding, dilation, groups):
    # padding: one (low, high) pair per spatial dim (torch's padding='same' can be uneven).
    nd = input.ndim - 2
    out = lax.conv_general_dilated(
        input, weight, window_strides=stride, padding=padding, rhs_dilation=dilation,
        dimension_numbers=_DIMENSION_NUMBERS[nd], feature_group_count=groups)
    return out + bias.reshape((1, -1) + (1,) * nd)


convolution = _op("convolution", "ConvolutionBackward0", _convolution,
                  ("input", "weight", "bias"), ("input", "weight", "bias"),
                  ("stride", "padding", "dilation", "groups"), precision="conv")


# ------------------------------------------------------------------ pooling
def pool_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int,
                     ceil_mode: bool) -> int:
    """torch's pooling_output_shape."""
    numerator = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = numerator // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _window_indices(size: int, kernel: int, stride: int, pad: int, dilation: int,
                    ceil_mode: bool) -> np.ndarray:
    """(out, kernel) input positions of each window along one dim; -1 where it is padding."""
    out = pool_output_size(size, kernel, stride, pad, dilation, ceil_mode)
    pos = (np.arange(out)[:, None] * stride - pad + np.arange(kernel)[None, :] * dilation)
    return np.where((pos >= 0) & (pos < size), pos, -1)


def _max_pool_windows(shape, kernel_size, stride, padding, dilation, ceil_mode):
    H, W = shape[-2:]
    rows = _window_indices(H, kernel_size[0], stride[0], padding[0], dilation[0], ceil_mode)
    cols = _window_indices(W, kernel_size[1], stride[1], padding[1], dilation[1], ceil_mode)
    valid = (rows[:, None, :, None] >= 0) & (cols[None, :, None, :] >= 0)
    flat = rows[:, None, :, None] * W + cols[None, :, None, :]
    oh, ow = rows.shape[0], cols.shape[0]
    # Padding points at a sentinel slot H*W that holds -inf.
    return np.where(valid, flat, H * W).reshape(oh, ow, -1)


def _max_pool2d_with_indices(self, kernel_size, stride, padding, dilation, ceil_mode):
    windows = _max_pool_windows(self.shape, kernel_size, stride, padding, dilation, ceil_mode)
    lead = self.shape[:-2]
    flat = self.reshape(lead + (-1,))
    flat = jnp.concatenate([flat, jnp.full(lead + (1,), -jnp.inf, self.dtype)], axis=-1)
    values = flat[..., windows]  # (..., oh, ow, k)
    # torch: the first maximum in the window wins (and NaN counts as the maximum).
    arg = jnp.argmax(jnp.where(jnp.isnan(values), jnp.inf, values), axis=-1)
    result = jnp.take_along_axis(values, arg[..., None], axis=-1)[..., 0]
    indices = jnp.take_along_axis(jnp.broadcast_to(jnp.asarray(windows), values.shape),
                                  arg[..., None], axis=-1)[..., 0]
    return result, indices.astype(jnp.int64)


def _max_pool2d_backward_fn(grad, self, indices):
    lead = self.shape[:-2]
    n = self.shape[-2] * self.shape[-1]
    g = grad.reshape((-1, grad.shape[-2] * grad.shape[-1]))
    idx = indices.reshape(g.shape)
    out = jnp.zeros((g.shape[0], n), grad.dtype)
    out = out.at[jnp.arange(g.shape[0])[:, None], idx].add(g)
    return out.reshape(lead + self.shape[-2:])


_max_pool2d_backward = JaxFunction(_max_pool2d_backward_fn, name="max_pool2d_backward",
                                   node="MaxPool2DWithIndicesBackwardBackward0")

max_pool2d_with_indices = Op(
    "max_pool2d_with_indices", "MaxPool2DWithIndicesBackward0", _max_pool2d_with_indices,
    static=("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    outputs=("result0", "result1"), dtype_rule="keep",
    derivatives={"self": lambda grad, self, result1: _max_pool2d_backward(grad, self, result1)})


def _avg_pool2d(self, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    H, W = self.shape[-2:]
    rows = _window_indices(H, kernel_size[0], stride[0], padding[0], 1, ceil_mode)
    cols = _window_indices(W, kernel_size[1], stride[1], padding[1], 1, ceil_mode)
    # Sum over each window as two banded matrices (zeros where the window is padding).
    mh = np.zeros((rows.shape[0], H))
    for i, r in enumerate(rows):
        mh[i, r[r >= 0]] = 1
    mw = np.zeros((cols.shape[0], W))
    for j, c in enumerate(cols):
        mw[j, c[c >= 0]] = 1
    summed = jnp.einsum("...hw,ih,jw->...ij", self, mh.astype(self.dtype), mw.astype(self.dtype),
                        precision=lax.Precision.HIGHEST)
    if divisor_override:
        return summed / divisor_override
    # torch: the window clipped to the padded input (count_include_pad) or to the input.
    def counts(size, kernel, s, pad, n_out):
        start = np.arange(n_out) * s - pad
        end = np.minimum(start + kernel, size + pad)
        if count_include_pad:
            return end - start
        return np.minimum(end, size) - np.maximum(start, 0)

    ch = counts(H, kernel_size[0], stride[0], padding[0], rows.shape[0])
    cw = counts(W, kernel_size[1], stride[1], padding[1], cols.shape[0])
    return summed / (ch[:, None] * cw[None, :]).astype(self.dtype)


avg_pool2d = _op("avg_pool2d", "AvgPool2DBackward0", _avg_pool2d, ("self",), ("self",),
                 ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                  "divisor_override"), dtype_rule="keep")


def _adaptive_matrix(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    # torch: window i covers [floor(i*size/out), ceil((i+1)*size/out)).
    m = np.zeros((out, size))
    for i in range(out):
        m[i, (i * size) // out: -((-(i + 1) * size) // out)] = 1
    return m, m.sum(1)


def _adaptive_avg_pool2d(self, output_size):
    H, W = self.shape[-2:]
    mh, ch = _adaptive_matrix(H, output_size[0])
    mw, cw = _adaptive_matrix(W, output_size[1])
    summed = jnp.einsum("...hw,ih,jw->...ij", self, mh.astype(self.dtype), mw.astype(self.dtype),
                        precision=lax.Precision.HIGHEST)
    return summed / (ch[:, None] * cw[None, :]).astype(self.dtype)


adaptive_avg_pool2d = _op("_adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0",
                          _adaptive_avg_pool2d, ("self",), ("self",), ("output_size",),
                          dtype_rule="keep")


# ------------------------------------------------------------------ normalization
def _native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum,
                       eps):
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training:
        mean = jnp.mean(input, axis=axes)
        var = jnp.mean(jnp.square(input - mean.reshape(shape)), axis=axes)
    else:
        mean, var = running_mean, running_var
    invstd = 1 / jnp.sqrt(var + eps)
    out = (input - mean.reshape(shape)) * invstd.reshape(shape) * weight.reshape(shape) \
        + bias.reshape(shape)
    # The batch statistics come out too, for the running-stats update (torch does it inside).
    return out, mean, var


native_batch_norm = _op("native_batch_norm", "NativeBatchNormBackward0", _native_batch_norm,
                        ("input", "weight", "bias", "running_mean", "running_var"),
                        ("input", "weight", "bias"), ("training", "momentum", "eps"),
                        first_output=True, outputs=("result0", "result1", "result2"),
                        promote=("input", "weight", "bias"))


def _native_layer_norm(input, weight, bias, normalized_shape, eps):
    axes = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    mean = jnp.mean(input, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(input - mean), axis=axes, keepdims=True)
    rstd = 1 / jnp.sqrt(var + eps)
    return (input - mean) * rstd * weight + bias, mean, rstd


native_layer_norm = _op("native_layer_norm", "NativeLayerNormBackward0", _native_layer_norm,
                        ("input", "weight", "bias"), ("input", "weight", "bias"),
                        ("normalized_shape", "eps"), first_output=True,
                        outputs=("result0", "result1", "result2"))


def _native_group_norm(input, weight, bias, group, eps):
    n, c = input.shape[:2]
    x = input.reshape(n, group, -1)
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
    rstd = 1 / jnp.sqrt(var + eps)
    shape = (1, -1) + (1,) * (input.ndim - 2)
    out = ((x - mean) * rstd).reshape(input.shape) * weight.reshape(shape) + bias.reshape(shape)
    return out, mean.reshape(n, group), rstd.reshape(n, group)


native_group_norm = _op("native_group_norm", "NativeGroupNormBackward0", _native_group_norm,
                        ("input", "weight", "bias"), ("input", "weight", "bias"),
                        ("group", "eps"), first_output=True,
                        outputs=("result0", "result1", "result2"))


# ------------------------------------------------------------------ embedding
def _embedding_backward_fn(grad, weight, indices, padding_idx, scale_grad_by_freq):
    # torch's embedding_backward: rows of padding_idx get no gradient; optionally each row's
    # gradient is divided by how often its index occurs in the batch.
    num_weights = weight.shape[0]
    flat_idx = indices.reshape(-1)
    g = grad.reshape(flat_idx.shape[0], -1)
    if padding_idx >= 0:
        g = jnp.where((flat_idx == padding_idx)[:, None], 0, g)
    if scale_grad_by_freq:
        counts = jnp.zeros(num_weights, g.dtype).at[flat_idx].add(1)
        g = g / counts[flat_idx][:, None]
    return jnp.zeros((num_weights, g.shape[1]), grad.dtype).at[flat_idx].add(g)


_embedding_backward = JaxFunction(_embedding_backward_fn, name="embedding_backward",
                                  node="EmbeddingBackwardBackward0")

embedding = Op("embedding", "EmbeddingBackward0",
               lambda weight, indices, padding_idx, scale_grad_by_freq: jnp.take(
                   weight, indices, axis=0),
               inputs=("weight", "indices"), static=("padding_idx", "scale_grad_by_freq"),
               dtype_rule="keep",
               derivatives={"weight": lambda grad, weight, indices, padding_idx,
                            scale_grad_by_freq: _embedding_backward(
                                grad, weight, indices, padding_idx=padding_idx,
                                scale_grad_by_freq=scale_grad_by_freq)})


# ------------------------------------------------------------------ losses
mse_loss = _op("mse_loss", "MseLossBackward0",
               lambda self, target, reduction: _reduce(jnp.square(self - target), reduction),
               ("self", "target"), ("self", "target"), ("reduction",))


def _smooth_l1(self, target, reduction, beta):
    z = jnp.abs(self - target)
    return _reduce(jnp.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), reduction)


smooth_l1_loss = _op("smooth_l1_loss", "SmoothL1LossBackward0", _smooth_l1,
                     ("self", "target"), ("self", "target"), ("reduction", "beta"))


def _huber(self, target, reduction, delta):
    z = jnp.abs(self - target)
    return _reduce(jnp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), reduction)


huber_loss = _op("huber_loss", "HuberLossBackward0", _huber, ("self", "target"),
                 ("self", "target"), ("reduction", "delta"))


def _nll(self, target, weight, reduction, ignore_index):
    # Class dim is 1 (0 for an unbatched 1-D input); ignored targets weigh 0.
    class_dim = 0 if self.ndim == 1 else 1
    valid = target != ignore_index
    safe = jnp.where(valid, target, 0)
    picked = jnp.squeeze(jnp.take_along_axis(self, jnp.expand_dims(safe, class_dim),
                                             axis=class_dim), class_dim)
    w = jnp.where(valid, weight[safe], 0).astype(self.dtype)
    loss = -picked * w
    if reduction == 0:
        return loss
    if reduction == 2:
        return jnp.sum(loss)
    return jnp.sum(loss) / jnp.sum(w)


_nll_kw = dict(promote=("self", "weight"))
nll_loss = _op("nll_loss", "NllLossBackward0", _nll, ("self", "target", "weight"), ("self",),
               ("reduction", "ignore_index"), **_nll_kw)
nll_loss2d = _op("nll_loss2d", "NllLoss2DBackward0", _nll, ("self", "target", "weight"),
                 ("self",), ("reduction", "ignore_index"), **_nll_kw)


def _bce(self, target, weight, reduction):
    # torch clamps each log at -100 so that a saturated probability gives a finite loss.
    loss = (target - 1) * jnp.maximum(jnp.log1p(-self), -100) \
        - target * jnp.maximum(jnp.log(self), -100)
    return _reduce(loss * weight, reduction)


def _bce_self_backward_fn(grad, self, target, weight, reduction):
    # torch's binary_cross_entropy_backward: (input - target) / max((1 - input) * input, 1e-12).
    g = grad * (self - target) / jnp.maximum((1 - self) * self, 1e-12) * weight
    return g / self.size if reduction == 1 else g


_bce_self_backward = JaxFunction(_bce_self_backward_fn, name="binary_cross_entropy_backward",
                                 node="BinaryCrossEntropyBackwardBackward0")
binary_cross_entropy = Op(
    "binary_cross_entropy", "BinaryCrossEntropyBackward0", _bce,
    inputs=("self", "target", "weight"), static=("reduction",),
    derivatives={
        "self": lambda grad, self, target, weight, reduction: _bce_self_backward(
            grad, self, target, weight, reduction=reduction),
        "target": _vjp_formulas(_bce, ["self", "target", "weight"], ["target"], ["reduction"],
                                "binary_cross_entropy_target_backward",
                                node="BinaryCrossEntropyTargetBackward")["target"]})


def _bce_logits(self, target, weight, pos_weight, reduction):
    # torch: (1 - target) * input - log_weight * log_sigmoid(input).
    log_sigmoid = jax.nn.log_sigmoid(self)
    log_weight = (pos_weight - 1) * target + 1
    loss = (1 - target) * self - log_weight * log_sigmoid
    return _reduce(loss * weight, reduction)


binary_cross_entropy_with_logits = _op(
    "binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0", _bce_logits,
    ("self", "target", "weight", "pos_weight"), ("self", "target"), ("reduction",))


def xlogy_forward(self, other):
    """torch.xlogy: 0 where self == 0 (even if other is 0), else self * log(other)."""
    return jnp.where(self == 0, jnp.zeros_like(self), self * jnp.log(other))


xlogy = JaxFunction(xlogy_forward, name="xlogy", node="XlogyBackward0")
