"""Backward from several threads: accumulation into a shared leaf is exact (torch's
AccumulateGrad holds the variable's lock), and independent graphs give, bit for bit, what
they give one after another."""

from __future__ import annotations

import threading

import numpy as np

import tapegrad as tg


def _threads(target, n, *args):
    threads = [threading.Thread(target=target, args=(i, *args)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_concurrent_backward_into_one_leaf_accumulates_exactly():
    w = tg.ones(3, requires_grad=True)

    def work(_):
        for _ in range(200):
            (w * 2).sum().backward()

    _threads(work, 8)
    np.testing.assert_array_equal(np.asarray(w.grad.jax()), [3200.0] * 3)


def _graph(seed):
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    w = tg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    for _ in range(10):
        y = (x @ w).tanh().sum() + (x.sin() * 2).sum()
        y.backward()
    return np.asarray(x.grad.jax()), np.asarray(w.grad.jax())


def test_independent_graphs_in_threads_match_serial_bit_for_bit():
    serial = [_graph(s) for s in range(6)]
    results = [None] * 6

    def run(i):
        results[i] = _graph(i)

    _threads(run, 6)
    for (xs, ws), (xt, wt) in zip(serial, results):
        np.testing.assert_array_equal(xs, xt)
        np.testing.assert_array_equal(ws, wt)
