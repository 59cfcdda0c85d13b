"""nn.CTCLoss / F.ctc_loss against torch in float64: random problems (repeated labels, blank
anywhere, both target layouts, every reduction, zero_infinity), values and gradients through
log_softmax and on raw inputs (torch's own gradient formula), the graph torch builds, and the
create_graph node whose backward raises."""

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
