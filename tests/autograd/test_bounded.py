"""Nothing tapegrad caches keeps a graph, a leaf or a gradient alive, and every cache is
bounded (NOTE [Whole-graph fusion], NOTE [Compiled-code budget])."""

from __future__ import annotations

import gc
import weakref

import tapegrad as tg
from tapegrad import _lru


def test_fused_backward_cache_keeps_no_leaf_alive():
    leaves = [tg.ones(50, 50, requires_grad=True) for _ in range(5)]
    for w in leaves:
        ((w * 2).sin() * w).sum().backward()  # fused: cached by structure
    refs = [weakref.ref(w) for w in leaves]
    del leaves, w
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


def test_no_node_outlives_a_training_step():
    model = tg.nn.Sequential(tg.nn.Linear(8, 16), tg.nn.ReLU(), tg.nn.Linear(16, 2))
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        loss = tg.nn.functional.cross_entropy(model(tg.ones(4, 8)), tg.zeros(4, dtype=tg.int64))
        loss.backward()
        opt.step()
    del loss
    gc.collect()
    node = tg.autograd.graph.Node  # (type(), not isinstance: no lazy attribute lookups)
    assert sum(1 for o in gc.get_objects() if issubclass(type(o), node)) == 0


def test_every_cache_is_bounded_and_least_recently_used_goes_first():
    cache = _lru.LRU("test_cache", 3)
    for k in range(5):
        cache[k] = k
    assert cache.get(0) is None and cache.get(4) == 4
    cache.get(2)
    cache[5] = 5
    assert cache.get(3) is None and cache.get(2) == 2
    assert all(c.maxsize > 0 for c in _lru.CACHES.values())


def test_compiled_code_budget_clears_and_keeps_results_right():
    limit = _lru.COMPILE_CACHE_LIMIT
    try:
        _lru.set_compile_cache_limit(3)
        x = tg.ones(3, requires_grad=True)
        for n in range(2, 8):  # a new shape each time: new compilations
            y = (tg.ones(n, 3) * x).sin().sum()
            y.backward()
        assert _lru.compiles <= 3 + 8  # cleared at least once on the way
        assert x.grad is not None
        import numpy as np

        np.testing.assert_allclose(np.asarray(x.grad.jax()),
                                   np.full(3, sum(n * np.cos(1.0) for n in range(2, 8))),
                                   rtol=1e-5)
    finally:
        _lru.set_compile_cache_limit(limit)
