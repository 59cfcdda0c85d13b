"""The random `torch.<name>` forms of nn layers in training (torch.dropout, alpha_dropout,
feature_dropout, feature_alpha_dropout, rrelu): their masks come from tapegrad's generator, so
they are checked by their statistics, scales, graphs and gradients (as test_random.py checks
F.dropout). Their deterministic paths are in tests/ops/op_db_nntop.py, against torch."""

from __future__ import annotations

import math

import numpy as np
import torch

import tapegrad as tg

ALPHA = 1.7580993408473766


def _x(shape=(200, 50)):
    return tg.tensor(np.random.default_rng(0).uniform(1, 2, size=shape), requires_grad=True)


def test_torch_dropout_scales_kept_elements_and_is_seeded():
    tg.manual_seed(0)
    x = _x()
    y = tg.dropout(x, 0.3, True)
    mask = y.detach().numpy() != 0
    assert abs(1 - mask.mean() - 0.3) < 0.02
    np.testing.assert_allclose(y.detach().numpy()[mask], x.detach().numpy()[mask] / 0.7,
                               rtol=1e-6)
    assert type(y.grad_fn).__name__ == type(torch.dropout(
        torch.ones(2, requires_grad=True), 0.3, True).grad_fn).__name__ == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), mask / 0.7, rtol=1e-6)
    tg.manual_seed(0)
    np.testing.assert_array_equal(tg.dropout(x.detach(), 0.3, True).numpy() != 0, mask)


def test_torch_alpha_dropout_keeps_or_sets_the_affine_values():
    p = 0.4
    a = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
    tg.manual_seed(1)
    x = _x()
    y = tg.alpha_dropout(x, p, True)
    out, xs = y.detach().numpy(), x.detach().numpy()
    kept = np.isclose(out, xs * a + ALPHA * a * p, rtol=1e-6)
    dropped = np.isclose(out, -ALPHA * a + ALPHA * a * p, rtol=1e-6)
    assert (kept | dropped).all()
    assert abs(dropped.mean() - p) < 0.02
    assert type(y.grad_fn).__name__ == "AddBackward0"  # torch's: input * noise + b
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept * a, rtol=1e-6)


def test_torch_feature_dropouts_mask_whole_channels():
    tg.manual_seed(2)
    x = _x((40, 30, 5))
    y = tg.feature_dropout(x, 0.5, True).detach().numpy()
    zero = (y == 0).all(axis=2)
    scaled = np.isclose(y, x.detach().numpy() * 2, rtol=1e-6).all(axis=2)
    assert (zero | scaled).all() and 0.4 < zero.mean() < 0.6
    p = 0.5
    a = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
    z = tg.feature_alpha_dropout(x, p, True).detach().numpy()
    kept = np.isclose(z, x.detach().numpy() * a + ALPHA * a * p, rtol=1e-6).all(axis=2)
    dropped = np.isclose(z, -ALPHA * a + ALPHA * a * p, rtol=1e-6).all(axis=2)
    assert (kept | dropped).all() and 0.4 < dropped.mean() < 0.6


def test_torch_rrelu_training_draws_slopes_in_range_from_the_generator():
    x = tg.tensor(np.random.default_rng(3).uniform(-2, 2, size=(100, 40)), requires_grad=True)
    g = tg.Generator().manual_seed(5)
    y = tg.rrelu(x, 0.1, 0.3, True, g)
    xs, out = x.detach().numpy(), y.detach().numpy()
    pos = xs > 0
    np.testing.assert_array_equal(out[pos], xs[pos])
    slopes = out[~pos] / xs[~pos]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    assert type(y.grad_fn).__name__ == "RreluWithNoiseBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[~pos], slopes, rtol=1e-6)
    again = tg.rrelu(x.detach(), 0.1, 0.3, True, tg.Generator().manual_seed(5)).numpy()
    np.testing.assert_array_equal(again, out)
