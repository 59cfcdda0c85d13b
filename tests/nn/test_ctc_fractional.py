"""nn.CTCLoss / F.ctc_loss (and nn.FractionalMaxPool2d/3d, at the end) against torch in
float64: random problems (repeated labels, blank anywhere, both target layouts, every
reduction, zero_infinity), values and gradients through log_softmax and on raw inputs (torch's
own gradient formula), the graph torch builds, and the create_graph node whose backward
raises."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tapegrad as tg


def _problem(seed):
    rng = np.random.default_rng(seed)
    t, n, c = 9, 3, 5
    blank = int(rng.integers(0, c))
    tl = rng.integers(0, 5, size=n)
    il = rng.integers(np.maximum(tl, 1), t + 1)
    labels = [rng.choice([k for k in range(c) if k != blank], size=m).tolist() for m in tl]
    if seed % 3 == 0 and tl[0] > 1:
        labels[0][1] = labels[0][0]  # a repeated label (needs a blank between)
    return rng.normal(size=(t, n, c)), labels, il.tolist(), tl.tolist(), blank


def _run(T, seed, layout, reduction, zero_infinity, softmax):
    x0, labels, il, tl, blank = _problem(seed)
    if layout == "2d":
        width = max(max(tl), 1)
        targets = T.tensor([lab + [0] * (width - len(lab)) for lab in labels])
    else:
        targets = T.tensor([v for lab in labels for v in lab], dtype=T.int64)
    loss = T.nn.CTCLoss(blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    x = T.tensor(x0, requires_grad=True)
    lp = x.log_softmax(2) if softmax else x
    out = loss(lp, targets, T.tensor(il), T.tensor(tl))
    g = np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape))
    (out * T.tensor(g)).sum().backward()
    return np.asarray(out.detach()), np.asarray(x.grad), type(out.grad_fn).__name__


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("layout,reduction,zero_infinity,softmax", [
    ("2d", "mean", False, True), ("1d", "sum", False, True), ("2d", "none", True, False),
    ("1d", "mean", True, False)])
def test_ctc_loss_matches_torch(seed, layout, reduction, zero_infinity, softmax):
    ours = _run(tg, seed, layout, reduction, zero_infinity, softmax)
    theirs = _run(torch, seed, layout, reduction, zero_infinity, softmax)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-9, atol=1e-12)
    assert ours[2] == theirs[2]


def test_create_graph_records_torchs_node_whose_backward_raises():
    x0, labels, il, tl, blank = _problem(1)
    seen = []
    for T in (tg, torch):
        x = T.tensor(x0, requires_grad=True)
        targets = T.tensor([v for lab in labels for v in lab], dtype=T.int64)
        y = T.nn.functional.ctc_loss(x, targets, il, tl, blank=blank, reduction="sum")
        g, = T.autograd.grad(y, x, create_graph=True)
        with pytest.raises(RuntimeError) as info:
            g.sum().backward()
        seen.append((type(g.grad_fn).__name__, str(info.value)))
    assert seen[0] == seen[1]


def test_repr_matches_torch():
    for expr in ("nn.CTCLoss()", "nn.CTCLoss(blank=3, reduction='sum', zero_infinity=True)"):
        assert repr(eval(expr, {"nn": tg.nn})) == repr(eval(expr, {"nn": torch.nn}))


# ------------------------------------------------------------------ fractional max pooling
@pytest.mark.parametrize("nd,shape,kwargs", [
    (2, (2, 3, 7, 8), dict(kernel_size=2, output_size=(4, 5))),
    (2, (3, 9, 10), dict(kernel_size=(3, 2), output_ratio=(0.4, 0.6), return_indices=True)),
    (3, (1, 2, 5, 6, 7), dict(kernel_size=2, output_ratio=0.5, return_indices=True)),
])
def test_fractional_max_pool_module_matches_torch(nd, shape, kwargs):
    rng = np.random.default_rng(nd)
    x0 = rng.normal(size=shape)
    s0 = rng.uniform(size=(shape[0] if len(shape) == nd + 2 else 1, shape[-nd - 1], nd))
    got = []
    for T in (tg, torch):
        cls = getattr(T.nn, f"FractionalMaxPool{nd}d")
        m = cls(**kwargs, _random_samples=T.tensor(s0))
        x = T.tensor(x0, requires_grad=True)
        out = m(x)
        y = out[0] if isinstance(out, tuple) else out
        y.backward(T.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape))))
        got.append((np.asarray(y.detach()), np.asarray(out[1]) if isinstance(out, tuple) else
                    None, np.asarray(x.grad), repr(m), list(m.state_dict()),
                    type(y.grad_fn).__name__))
    np.testing.assert_array_equal(got[0][0], got[1][0])
    np.testing.assert_array_equal(got[0][1], got[1][1])
    np.testing.assert_allclose(got[0][2], got[1][2], rtol=1e-12)
    assert got[0][3:] == got[1][3:]


def test_fractional_max_pool_without_samples_draws_in_range():
    tg.manual_seed(0)
    y, idx = tg.nn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True)(
        tg.randn(2, 3, 10, 12))
    assert tuple(y.shape) == (2, 3, 5, 6) and idx.dtype is tg.int64
    flat = np.asarray(idx)
    assert flat.min() >= 0 and flat.max() < 120


@pytest.mark.parametrize("expr", [
    "nn.FractionalMaxPool2d(2)", "nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5)",
    "nn.FractionalMaxPool2d(2, output_ratio=1.5)", "nn.FractionalMaxPool3d(0, output_size=2)",
    "nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 1.0))"])
def test_fractional_max_pool_construction_errors_match_torch(expr):
    texts = []
    for T in (tg, torch):
        with pytest.raises(ValueError) as info:
            eval(expr, {"nn": T.nn})
        texts.append(str(info.value))
    assert texts[0] == texts[1]
