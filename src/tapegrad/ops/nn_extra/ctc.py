"""`torch.ctc_loss` and `nn.functional.ctc_loss`: torch's CPU CTC (LossCTC.cpp).

`_ctc_loss` is one Op (CtcLossBackward0) returning (neg_log_likelihood, log_alpha). Its forward
is torch's alpha recursion (a `lax.scan` over time, all batch entries at once, each masked by
its lengths); its derivative is torch's `_ctc_loss_backward`: the beta recursion, then
`exp(lp) - exp(log(sum alpha*beta) + nll - lp)` per time step and label, which is the gradient
torch returns (it assumes normalized log-probabilities: not the derivative of the loss with
respect to arbitrary `log_probs`). torch has no derivative of that backward (a NotImplemented
node under create_graph). The lengths are torch's IntArrayRef arguments: host integers, static
to the kernels (one compilation per lengths).

`ctc_loss` (torch's composite) adds the unsqueeze of an unbatched input, the zero_infinity
`where`, and the reduction: `(loss / target_lengths.clamp_min(1)).mean()` or `loss.sum()`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ... import _dtype
from ...tensor import Tensor, tensor
from .._op import Op
from ..pointwise import where
from .._registry import public
from ._common import _F, _const
from .embedding_bag import _host, _NoDerivative

_NEG_INF = -jnp.inf


def _lse(*xs):
    # torch's log(exp(a - m) + ...) + m, with m = 0 where every term is -inf
    m = xs[0]
    for x in xs[1:]:
        m = jnp.maximum(m, x)
    m = jnp.where(m == _NEG_INF, 0, m)
    total = jnp.exp(xs[0] - m)
    for x in xs[1:]:
        total = total + jnp.exp(x - m)
    return jnp.log(total) + m


def _extended(targets, target_lengths, blank):
    """(N, 2*S+1) labels l' (blank, t1, blank, t2, ...), the valid-s mask and the skip mask."""
    n = len(target_lengths)
    smax = max(target_lengths) if n else 0
    pos = np.zeros((n, max(smax, 1)), np.int64)
    if targets.ndim == 1:
        start = 0
        for b, length in enumerate(target_lengths):
            pos[b, :length] = np.arange(start, start + length)
            start += length
    else:
        for b, length in enumerate(target_lengths):
            pos[b, :length] = b * targets.shape[1] + np.arange(length)
    labels = targets.reshape(-1)[pos] if targets.size else jnp.zeros(pos.shape, jnp.int64)
    width = 2 * smax + 1
    ext = jnp.full((n, width), blank, labels.dtype)
    ext = ext.at[:, 1::2].set(labels[:, :smax])
    s = np.arange(width)
    valid = s[None, :] <= 2 * np.asarray(target_lengths)[:, None]
    skip = jnp.concatenate([jnp.zeros((n, 2), bool), ext[:, 2:] != ext[:, :-2]], axis=1)
    return ext, jnp.asarray(valid), skip[:, :width]


def _lp_ext(log_probs, ext):
    # (T, N, S') log-probabilities of the extended labels
    idx = jnp.broadcast_to(ext[None], (log_probs.shape[0],) + ext.shape)
    return jnp.take_along_axis(log_probs, idx, axis=2)


def _ctc_fwd(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
    t_max, n = log_probs.shape[0], log_probs.shape[1]
    ext, valid, skip = _extended(targets, target_lengths, blank)
    width = ext.shape[1]
    lpe = _lp_ext(log_probs, ext)
    il = np.asarray(input_lengths)
    tl = np.asarray(target_lengths)
    s = np.arange(width)
    first = (s[None, :] == 0) | ((s[None, :] == 1) & (tl[:, None] > 0))
    la0 = jnp.where(jnp.asarray(first), lpe[0], _NEG_INF)
    neg = jnp.full((n, 1), _NEG_INF, log_probs.dtype)

    def step(prev, inputs):
        t, lp_t = inputs
        la2 = jnp.concatenate([neg, prev[:, :-1]], axis=1)
        la3 = jnp.where(skip, jnp.concatenate([neg, neg, prev[:, :-2]], axis=1)[:, :width],
                        _NEG_INF)
        new = _lse(prev, la2, la3) + lp_t
        new = jnp.where(valid & (t < jnp.asarray(il))[:, None], new, _NEG_INF)
        return new, new

    if t_max > 1:
        _, rest = jax.lax.scan(step, la0, (jnp.arange(1, t_max), lpe[1:]))
        log_alpha = jnp.concatenate([la0[None], rest], axis=0)
    else:
        log_alpha = la0[None]
    log_alpha = jnp.transpose(log_alpha, (1, 0, 2))  # (N, T, S')
    last = log_alpha[np.arange(n), np.maximum(il - 1, 0)]
    l1 = last[np.arange(n), 2 * tl]
    l2 = jnp.where(jnp.asarray(tl > 0), last[np.arange(n), np.maximum(2 * tl - 1, 0)], _NEG_INF)
    nll = -_lse(l1, l2)
    nll = jnp.where(jnp.asarray(il > 0), nll, jnp.inf)
    return nll, log_alpha


def _ctc_bwd(grad, log_probs, targets, neg_log_likelihood, log_alpha, input_lengths,
             target_lengths, blank, zero_infinity):
    t_max, n, c = log_probs.shape
    ext, valid, skip = _extended(targets, target_lengths, blank)
    width = ext.shape[1]
    lpe = _lp_ext(log_probs, ext)
    il = jnp.asarray(np.asarray(input_lengths))[:, None]
    tl = np.asarray(target_lengths)
    s = np.arange(width)
    init_mask = jnp.asarray((s[None, :] == 2 * tl[:, None])
                            | ((s[None, :] == 2 * tl[:, None] - 1) & (tl[:, None] > 0)))
    skip_next = jnp.concatenate([skip[:, 2:], jnp.zeros((n, 2), bool)], axis=1)[:, :width]
    neg = jnp.full((n, 1), _NEG_INF, log_probs.dtype)

    def step(nxt, inputs):
        t, lp_t = inputs
        lb2 = jnp.concatenate([nxt[:, 1:], neg], axis=1)
        lb3 = jnp.where(skip_next, jnp.concatenate([nxt[:, 2:], neg, neg], axis=1)[:, :width],
                        _NEG_INF)
        rec = jnp.where(valid, _lse(nxt, lb2, lb3) + lp_t, _NEG_INF)
        start = jnp.where(init_mask, lp_t, _NEG_INF)
        new = jnp.where(t == il - 1, start, jnp.where(t < il - 1, rec, _NEG_INF))
        return new, new

    ts = jnp.arange(t_max - 1, -1, -1)
    _, lb = jax.lax.scan(step, jnp.full((n, width), _NEG_INF, log_probs.dtype), (ts, lpe[::-1]))
    log_beta = lb[::-1]  # (T, N, S')
    ab = jnp.transpose(log_alpha, (1, 0, 2)) + log_beta
    ab = jnp.where(valid[None], ab, _NEG_INF)
    # torch assigns the last step's two terms without a log-add ("a blank and a non-blank"):
    # when the last target is the blank label, the second overwrites the first
    last_label = ext[np.arange(n), np.maximum(2 * tl - 1, 0)]
    overwritten = jnp.asarray(tl > 0) & (last_label == blank)
    drop = ((jnp.arange(t_max)[:, None, None] == il[None] - 1)
            & jnp.asarray(s[None, :] == 2 * tl[:, None])[None] & overwritten[None, :, None])
    ab = jnp.where(drop, _NEG_INF, ab)
    idx = jnp.broadcast_to(ext[None], ab.shape)
    tt, bb = np.meshgrid(np.arange(t_max), np.arange(n), indexing="ij")
    tt = jnp.asarray(np.broadcast_to(tt[..., None], ab.shape))
    bb = jnp.asarray(np.broadcast_to(bb[..., None], ab.shape))
    mx = jnp.full((t_max, n, c), _NEG_INF, ab.dtype).at[tt, bb, idx].max(ab)
    mxs = jnp.where(mx == _NEG_INF, 0, mx)
    total = jnp.zeros((t_max, n, c), ab.dtype).at[tt, bb, idx].add(
        jnp.exp(ab - mxs[tt, bb, idx]))
    lcab = jnp.where(mx == _NEG_INF, _NEG_INF, jnp.log(total) + mxs)
    nll = neg_log_likelihood[None, :, None]
    res = (jnp.exp(log_probs) - jnp.exp(lcab + nll - log_probs)) * grad[None, :, None]
    active = (jnp.arange(t_max)[:, None] < il[:, 0][None, :])[..., None]
    res = jnp.where(active, res, 0)
    if zero_infinity:
        res = jnp.where((neg_log_likelihood == jnp.inf)[None, :, None], 0, res)
    return res


_ctc_backward = _NoDerivative(
    _ctc_bwd, "ctc_loss_backward", "NotImplemented",
    (RuntimeError, "derivative for aten::_ctc_loss_backward is not implemented"))

ctc_loss_op = Op(
    "_ctc_loss", "CtcLossBackward0", _ctc_fwd, inputs=("log_probs", "targets"),
    static=("input_lengths", "target_lengths", "blank", "zero_infinity"),
    outputs=("result0", "result1"), dtype_rule="keep",
    derivatives={"log_probs": lambda grad, log_probs, targets, result0, result1, input_lengths,
                 target_lengths, blank, zero_infinity: _ctc_backward(
                     grad, log_probs, targets, result0, result1, input_lengths=input_lengths,
                     target_lengths=target_lengths, blank=blank, zero_infinity=zero_infinity)})


def _lengths(x, name: str) -> tuple[int, ...]:
    if isinstance(x, Tensor):
        if x.dtype.is_floating_point or x.dtype.is_complex or x.dtype == _dtype.bool:
            raise RuntimeError(f"{name} must be integral")
        values = _host(x)
        if values is None:
            raise NotImplementedError(f"tapegrad: ctc_loss needs concrete {name} (torch reads "
                                      "them on the host)")
        return tuple(int(v) for v in np.asarray(values).reshape(-1))
    return tuple(int(v) for v in x)


def _check(log_probs, targets, il, tl, blank):
    c = "ctc_loss_allocate_outputs"
    if log_probs.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {log_probs.dim()}-"
                           f"dimensional tensor for argument #1 'log_probs' (while checking "
                           f"arguments for {c})")
    t_max, n, labels = log_probs.shape
    if not (0 <= blank < labels):
        raise RuntimeError("blank must be in label range")
    if len(il) != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl) != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    for name, values in (("input_lengths", il), ("target_lengths", tl)):
        for v in values:
            if v < 0:
                raise RuntimeError(f"Expected {name} to have value at least 0, but got value "
                                   f"{v} (while checking arguments for {c})")
    if targets.dim() == 1:
        if targets.size(0) != sum(tl):
            raise RuntimeError(f"Expected tensor to have size {sum(tl)} at dimension 0, but got "
                               f"size {targets.size(0)} for argument #2 'targets' (while "
                               f"checking arguments for {c})")
    else:
        if targets.size(0) != n:
            raise RuntimeError(f"Expected tensor to have size {n} at dimension 0, but got size "
                               f"{targets.size(0)} for argument #2 'targets' (while checking "
                               f"arguments for {c})")
        if tl and targets.size(1) < max(tl):
            raise RuntimeError(f"Expected tensor to have size at least {max(tl)} at dimension "
                               f"1, but got size {targets.size(1)} for argument #2 'targets' "
                               f"(while checking arguments for {c})")
    for v in il:
        if v > t_max:
            raise RuntimeError(f"Expected input_lengths to have value at most {t_max}, but got "
                               f"value {v} (while checking arguments for {c})")


@public(name="ctc_loss", method=False)
def ctc_loss_aten(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0,
                  zero_infinity=False):
    """Matches `torch.ctc_loss` (its Python binding: reduction 1 mean, 2 sum, else none)."""
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    if not log_probs.dtype.is_floating_point:
        raise NotImplementedError(f'"ctc_loss_cpu" not implemented for '
                                  f"'{log_probs.dtype.scalar_name}'")
    batched = log_probs.dim() == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    _check(lp, targets, il, tl, int(blank))
    res = ctc_loss_op(lp, targets.long(), il, tl, int(blank), bool(zero_infinity))[0]
    if zero_infinity:
        res = where(res == float("inf"), _const((), 0.0, res), res)
    if reduction == 1:
        return (res / tensor(tl, dtype=res.dtype).clamp_min(1)).mean()
    if reduction == 2:
        return res.sum()
    return res if batched else res.squeeze(0)


_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


@public(**_F, namespace="nn.functional")
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Matches `torch.nn.functional.ctc_loss` (torch's CPU algorithm and gradient)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return ctc_loss_aten(log_probs, targets, input_lengths, target_lengths, blank,
                         _REDUCTIONS[reduction], zero_infinity)
