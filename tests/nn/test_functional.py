"""tapegrad.nn.functional: errors, warnings and second derivatives against torch."""

from __future__ import annotations

import numpy as np
import pytest

from tapegrad.testing import assert_parity

ERRORS = {
    "conv2d-dims": lambda T, F: F.conv2d(T.ones(3, 4), T.ones(2, 3, 1, 1)),
    "conv2d-channels": lambda T, F: F.conv2d(T.ones(1, 5, 4, 4), T.ones(2, 3, 1, 1)),
    "conv2d-padding-string": lambda T, F: F.conv2d(T.ones(1, 3, 4, 4), T.ones(2, 3, 1, 1),
                                                   padding="full"),
    "max_pool2d-pad": lambda T, F: F.max_pool2d(T.ones(1, 1, 4, 4), 2, padding=2),
    "layer_norm-shape": lambda T, F: F.layer_norm(T.ones(4, 5), [3]),
    "group_norm-groups": lambda T, F: F.group_norm(T.ones(2, 3, 4), 2),
    "batch_norm-one-value": lambda T, F: T.nn.BatchNorm1d(3)(T.ones(1, 3)),
    "batch_norm-dims": lambda T, F: T.nn.BatchNorm2d(3)(T.ones(2, 3)),
    "nll-target-bounds": lambda T, F: F.nll_loss(T.ones(2, 3), T.tensor([0, 7])),
    "nll-batch": lambda T, F: F.nll_loss(T.ones(2, 3), T.tensor([0, 1, 2])),
    "cross_entropy-bad-reduction": lambda T, F: F.cross_entropy(T.ones(2, 3), T.tensor([0, 1]),
                                                                reduction="avg"),
    "cross_entropy-probs-ignore-index": lambda T, F: F.cross_entropy(
        T.ones(2, 3), T.ones(2, 3), ignore_index=1),
    "bce-range": lambda T, F: F.binary_cross_entropy(T.tensor([0.5, 1.5]), T.ones(2)),
    "bce-size": lambda T, F: F.binary_cross_entropy(T.tensor([0.5, 0.5]), T.ones(2, 1)),
    "bce-logits-size": lambda T, F: F.binary_cross_entropy_with_logits(T.ones(2), T.ones(3)),
    "embedding-index": lambda T, F: F.embedding(T.tensor([0, 5]), T.ones(5, 2)),
    "embedding-float-index": lambda T, F: F.embedding(T.tensor([0.0]), T.ones(5, 2)),
    "mse-bad-reduction": lambda T, F: F.mse_loss(T.ones(2), T.ones(2), reduction="max"),
    "huber-delta": lambda T, F: F.huber_loss(T.ones(2), T.ones(2), delta=0.0),
    "dropout-p": lambda T, F: F.dropout(T.ones(2), 2.0),
    "linear-shapes": lambda T, F: F.linear(T.ones(2, 3), T.ones(4, 5)),
    "linear-shapes-3d-bias": lambda T, F: F.linear(T.ones(2, 2, 3), T.ones(4, 5), T.ones(4)),
    "layer_norm-weight-shape": lambda T, F: F.layer_norm(T.ones(2, 4), [4], T.ones(3)),
    "conv2d-same-strided": lambda T, F: F.conv2d(T.ones(1, 3, 4, 4), T.ones(2, 3, 1, 1),
                                                 padding="same", stride=2),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_functional_errors_match_torch(name):
    def program(T):
        return ERRORS[name](T, T.nn.functional)

    run = assert_parity(program)
    assert run.error is not None, "torch raises here"


def test_target_size_warning_and_broadcast_match_torch():
    def program(T):
        x = T.tensor([[1.0], [2.0]], requires_grad=True)
        loss = T.nn.functional.mse_loss(x, T.tensor([0.5, 1.0]))
        loss.backward()
        return loss, x.grad

    run = assert_parity(program)
    assert run.warnings


def test_embedding_max_norm_renormalises_weight_in_place_like_torch():
    def program(T):
        w = T.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]], requires_grad=True)
        out = T.nn.functional.embedding(T.tensor([[0, 1]]), w, max_norm=1.0)
        out.sum().backward()
        return out, w, w._version

    run = assert_parity(program, ignore=r"\.grad\._version$")
    assert run.error is None


def test_max_pool2d_return_indices_matches_torch():
    def program(T):
        rng = np.random.default_rng(0)
        x = T.tensor(rng.uniform(-1, 1, size=(2, 3, 5, 5)), requires_grad=True)
        out, idx = T.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True)
        (out * T.tensor(rng.uniform(-1, 1, size=tuple(out.shape)))).sum().backward()
        return out, idx, x.grad

    run = assert_parity(program, ignore=r"\.grad\._version$")
    assert run.error is None


SECOND_ORDER = {
    "conv2d": lambda T, F, x, w: F.conv2d(x, w, padding=1).pow(2).sum(),
    "layer_norm": lambda T, F, x, w: F.layer_norm(x, [4], w.flatten()[:4], w.flatten()[4:8]
                                                  ).pow(3).sum(),
    "batch_norm": lambda T, F, x, w: F.batch_norm(x, None, None, w[0, :, 0, 0], None,
                                                  training=True).exp().sum(),
    "cross_entropy": lambda T, F, x, w: F.cross_entropy(x.flatten(1), T.tensor([1, 0])),
    "max_pool2d": lambda T, F, x, w: (F.max_pool2d(x, 2) ** 2).sum(),
    "mse_loss": lambda T, F, x, w: F.mse_loss(x.tanh(), x.sin(), reduction="sum"),
    "linear": lambda T, F, x, w: F.linear(x.flatten(1), w.flatten(1)[:, :32 - 16].repeat(
        1, 2), w[:, 0, 0, 0]).sigmoid().sum(),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_derivatives_match_torch_values(name):
    # The double-backward graph is generic (jax.vjp) for table ops: compare values only.
    def program(T):
        rng = np.random.default_rng(2)
        x = T.tensor(rng.uniform(-1, 1, size=(2, 2, 4, 4)), requires_grad=True)
        w = T.tensor(rng.uniform(-1, 1, size=(2, 2, 3, 3)), requires_grad=True)
        loss = SECOND_ORDER[name](T, T.nn.functional, x, w)
        gx, gw = T.autograd.grad(loss, (x, w), create_graph=True, allow_unused=True,
                                 materialize_grads=True)
        ((gx ** 2).sum() + (gw ** 2).sum()).backward()
        return [None if t is None else t.detach().numpy()
                for t in (loss, gx, gw, x.grad, w.grad)]

    run = assert_parity(program, rtol=1e-9, atol=1e-11)
    assert run.error is None
