"""torch.func.vmap's `randomness` (NOTE [Randomness under vmap]): the default "error" raises
torch's error on any random op, "different" draws independently per example, "same" draws once
for the whole batch. Random values are not torch's (another generator): compared by pattern."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tapegrad as tg

RANDOM_FNS = {
    "rand": lambda T: (lambda x: x + T.rand(2)),
    "randn": lambda T: (lambda x: x + T.randn(())),
    "normal_": lambda T: (lambda x: x.clone().normal_()),
    "dropout": lambda T: (lambda x: T.nn.functional.dropout(x, 0.5)),
    "randint": lambda T: (lambda x: x + T.randint(0, 5, (2,))),
}


@pytest.mark.parametrize("name", list(RANDOM_FNS))
def test_default_randomness_error_raises_torchs_error(name):
    messages = []
    for T in (torch, tg):
        with pytest.raises(RuntimeError) as info:
            T.func.vmap(RANDOM_FNS[name](T))(T.ones(3, 2))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("name", ["rand", "randn", "dropout"])
def test_different_and_same_draw_per_example_and_per_batch_as_torch(name):
    for T in (torch, tg):
        x = T.ones(6, 2) if name != "randn" else T.zeros(6, 2)
        diff = np.asarray(T.func.vmap(RANDOM_FNS[name](T), randomness="different")(x).tolist())
        same = np.asarray(T.func.vmap(RANDOM_FNS[name](T), randomness="same")(x).tolist())
        assert len({tuple(r) for r in diff}) > 1, (T.__name__, diff)
        assert len({tuple(r) for r in same}) == 1, (T.__name__, same)


def test_dropout_under_vmap_different_has_a_gradient_consistent_with_its_mask():
    x = tg.ones(5, 4, requires_grad=True)
    y = tg.func.vmap(lambda r: tg.nn.functional.dropout(r, 0.5), randomness="different")(x)
    y.sum().backward()
    # torch's dropout gradient is the mask scaled by 1 / (1 - p): exactly the output here.
    np.testing.assert_array_equal(np.asarray(x.grad.tolist()), np.asarray(y.tolist()))
    assert y.grad_fn is not None


def test_a_random_op_outside_vmap_is_unaffected_after_an_error():
    with pytest.raises(RuntimeError):
        tg.func.vmap(lambda x: x + tg.rand(()))(tg.ones(2))
    assert tg.rand(3).shape == (3,)  # the error-mode frame was popped
