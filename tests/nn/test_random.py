"""tapegrad.random: seedable, reproducible streams; torch's shapes, dtypes, versions and errors.

Values are not torch's (a different generator, by design); everything else is compared with
torch through the harness, and the distributions are checked statistically.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.testing import assert_parity


def _draws(gen=None):
    kw = {} if gen is None else {"generator": gen}
    out = [tg.rand(3, 2, **kw), tg.randn(4, dtype=tg.float64, **kw), tg.randint(0, 9, (5,), **kw),
           tg.randint(4, (2, 2), **kw), tg.randperm(7, **kw),
           tg.bernoulli(tg.full((6,), 0.3), **kw), tg.normal(0.0, 2.0, (3,), **kw)]
    with tg.no_grad():
        out.append(tg.zeros(4).normal_(1.0, 0.5, **kw))
        out.append(tg.zeros(4, dtype=tg.float64).uniform_(-2, 3, **kw))
        out.append(tg.zeros(5).bernoulli_(0.7, **kw))
    return [t.numpy() for t in out]


def test_same_seed_same_stream_and_different_seed_different_stream():
    tg.manual_seed(123)
    a = _draws()
    tg.manual_seed(123)
    b = _draws()
    tg.manual_seed(124)
    c = _draws()
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, z) for x, z in zip(a, c, strict=True))
    assert tg.initial_seed() == 124


def test_generator_objects_are_independent_of_the_default_stream():
    g = tg.Generator().manual_seed(5)
    first = _draws(g)
    tg.manual_seed(0)
    _draws()  # advancing the default stream does not move g's
    g.manual_seed(5)
    for x, y in zip(first, _draws(g), strict=True):
        np.testing.assert_array_equal(x, y)


def test_rng_state_round_trip_replays_the_stream():
    tg.manual_seed(9)
    state = tg.get_rng_state()
    a = tg.randn(5).numpy()
    tg.randn(3)
    tg.set_rng_state(state)
    np.testing.assert_array_equal(tg.randn(5).numpy(), a)


def test_distributions():
    tg.manual_seed(0)
    u = tg.rand(100_000).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    n = tg.randn(100_000, dtype=tg.float64).numpy()
    assert abs(n.mean()) < 0.02 and abs(n.std() - 1) < 0.02
    r = tg.randint(-3, 4, (50_000,)).numpy()
    assert r.min() == -3 and r.max() == 3
    assert sorted(tg.randperm(50).tolist()) == list(range(50))
    assert abs(tg.bernoulli(tg.full((50_000,), 0.25)).numpy().mean() - 0.25) < 0.01
    with tg.no_grad():
        w = tg.zeros(50_000).uniform_(-2, 2).numpy()
    assert w.min() >= -2 and w.max() < 2 and abs(w.mean()) < 0.03


def test_factory_results_match_torch_except_values():
    def program(T):
        T.manual_seed(0)
        ts = [T.rand(2, 3), T.rand((2,), dtype=T.float64, requires_grad=True), T.randn(1, 2),
              T.randint(0, 5, (3,)), T.randint(5, (2,), dtype=T.int32), T.randperm(4),
              T.bernoulli(T.full((2,), 0.5, dtype=T.float64)), T.rand_like(T.ones(2)),
              T.randn_like(T.ones(2, dtype=T.float64))]
        return [(tuple(t.shape), str(t.dtype).split(".")[-1], t.requires_grad, t.is_leaf,
                 t._version) for t in ts]

    run = assert_parity(program)
    assert run.error is None


def test_in_place_random_ops_version_and_leaf_errors_match_torch():
    def program(T):
        out = []
        w = T.zeros(3, requires_grad=True)
        for fn in (lambda: w.normal_(), lambda: w.uniform_(), lambda: w.bernoulli_()):
            try:
                fn()
            except RuntimeError as e:
                out.append(str(e))
        with T.no_grad():
            w.normal_()
            w.uniform_(-1, 1)
            w.bernoulli_(0.5)
        out.append(w._version)
        x = T.zeros(2)
        for fn in (lambda: x.normal_(0, -1), lambda: x.uniform_(2, 1),
                   lambda: T.randint(3, 3, (2,)), lambda: T.zeros(2, dtype=T.int64).normal_()):
            try:
                fn()
            except RuntimeError as e:
                out.append(str(e))
        return out

    run = assert_parity(program)
    assert run.error is None


def test_manual_seed_returns_the_default_generator_like_torch():
    def program(T):
        g = T.manual_seed(3)
        return type(g).__name__, g.initial_seed(), T.Generator().manual_seed(-2).initial_seed()

    assert_parity(program)


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_dropout_masks_scale_and_grad_like_torch(p):
    tg.manual_seed(0)
    x = tg.tensor(np.random.default_rng(0).uniform(1, 2, size=(200, 50)), requires_grad=True)
    y = tg.nn.functional.dropout(x, p, training=True)
    if p == 0.0:
        assert y is x  # torch returns the input itself
        return
    mask = (y.detach().numpy() != 0)
    assert abs(1 - mask.mean() - p) < 0.02
    np.testing.assert_allclose(y.detach().numpy()[mask], x.detach().numpy()[mask] / (1 - p),
                               rtol=1e-6)
    assert type(y.grad_fn).__name__ == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), mask / (1 - p) if p < 1 else 0 * mask,
                               rtol=1e-6)
    tg.manual_seed(0)
    again = tg.nn.functional.dropout(x.detach(), p, training=True).numpy()
    np.testing.assert_array_equal(again != 0, mask)


def test_dropout_errors_and_eval_identity_match_torch():
    def program(T):
        x = T.ones(3, requires_grad=True)
        out = [T.nn.functional.dropout(x, 0.5, training=False) is x,
               T.nn.Dropout(0.5).eval()(x) is x]
        for p in (-0.1, 1.5):
            try:
                T.nn.Dropout(p)
            except ValueError as e:
                out.append(str(e))
        return out

    assert_parity(program)
