"""nn.EmbeddingBag, F.embedding_bag and torch.embedding_bag against torch: outputs and weight /
per_sample_weights gradients in float64 (same weights copied in), every mode with offsets or
2-D input, include_last_offset, padding_idx, max_norm, scale_grad_by_freq (torch's own
scaling rule), from_pretrained, reprs and state_dict keys, the create_graph nodes torch records
and the errors their backward raises, and torch's errors for bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tapegrad as tg

IDX = [1, 2, 4, 5, 4, 3, 2, 0]
OFF = [0, 2, 2, 5]


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach())


def _run(T, weight, call, seed=0):
    w = T.tensor(weight, requires_grad=True)
    out = call(T, w)
    outs = out if isinstance(out, tuple) else (out,)
    g = np.random.default_rng(seed).uniform(-1, 1, size=tuple(outs[0].shape))
    (outs[0] * T.tensor(g)).sum().backward()
    return ([(_np(o), str(o.dtype).split(".")[-1]) for o in outs], _np(w.grad),
            type(outs[0].grad_fn).__name__ if outs[0].grad_fn is not None else None)


def _same(call, weight=None, rtol=1e-12):
    weight = np.random.default_rng(1).normal(size=(6, 3)) if weight is None else weight
    ours, theirs = _run(tg, weight, call), _run(torch, weight, call)
    assert ours[2] == theirs[2]
    assert len(ours[0]) == len(theirs[0])
    for (a, da), (b, db) in zip(ours[0], theirs[0]):
        assert da == db and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=rtol, atol=1e-12)


CALLS = {
    "mean-offsets": lambda T, w: T.nn.functional.embedding_bag(T.tensor(IDX), w, T.tensor(OFF)),
    "sum-2d": lambda T, w: T.nn.functional.embedding_bag(T.tensor([[1, 2, 0], [4, 4, 3]]), w,
                                                         mode="sum"),
    "max-padding": lambda T, w: T.nn.functional.embedding_bag(T.tensor(IDX), w, T.tensor(OFF),
                                                              mode="max", padding_idx=4),
    "max-all-padding-bag": lambda T, w: T.nn.functional.embedding_bag(
        T.tensor([2, 2, 1]), w, T.tensor([0, 2]), mode="max", padding_idx=2),
    "mean-last-offset": lambda T, w: T.nn.functional.embedding_bag(
        T.tensor(IDX), w, T.tensor(OFF), include_last_offset=True, padding_idx=-2),
    "sum-psw": lambda T, w: T.nn.functional.embedding_bag(
        T.tensor(IDX), w, T.tensor(OFF), mode="sum",
        per_sample_weights=T.tensor(np.linspace(-1, 1, 8))),
    "int32-indices": lambda T, w: T.nn.functional.embedding_bag(
        T.tensor(IDX, dtype=T.int32), w, T.tensor(OFF, dtype=T.int32), mode="max"),
    "empty-input": lambda T, w: T.nn.functional.embedding_bag(
        T.tensor([], dtype=T.int64), w, T.tensor([0, 0])),
    "aten-sum": lambda T, w: T.embedding_bag(w, T.tensor(IDX), T.tensor(OFF)),
    "aten-mean-mixed-int": lambda T, w: T.embedding_bag(
        w, T.tensor(IDX, dtype=T.int32), T.tensor(OFF), False, 1, False, None, True, 3),
    "aten-max": lambda T, w: T.embedding_bag(w, T.tensor(IDX), T.tensor(OFF), False, 2),
    "aten-sum-padding": lambda T, w: T.embedding_bag(w, T.tensor(IDX), T.tensor(OFF), False,
                                                     0, False, None, False, -1),
    "aten-sum-float32": lambda T, w: T.embedding_bag(w.float(), T.tensor(IDX), T.tensor(OFF)),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_embedding_bag_matches_torch(name):
    _same(CALLS[name], rtol=1e-6 if "float32" in name else 1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_scale_grad_by_freq_follows_torchs_rule(seed):
    # torch's CPU kernel divides the k-th distinct index's gradient by the count of
    # sorted_indices[k] (not of that index): random bags show the rule, not a coincidence.
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 6, size=12).tolist()
    off = [0] + sorted(rng.integers(0, 13, size=3).tolist())
    mode = ["sum", "mean"][seed % 2]
    pad = [None, 3][seed % 3 == 0]
    _same(lambda T, w: T.nn.functional.embedding_bag(
        T.tensor(idx), w, T.tensor(off), mode=mode, padding_idx=pad, scale_grad_by_freq=True))


def test_module_matches_torch_with_max_norm_and_state():
    rng = np.random.default_rng(3)
    weight = rng.normal(size=(7, 4)) * 2
    results = []
    for T in (tg, torch):
        bag = T.nn.EmbeddingBag(7, 4, max_norm=1.5, mode="sum", padding_idx=-1,
                                dtype=T.float64)
        bag.load_state_dict({"weight": T.tensor(weight)})
        psw = T.tensor(rng.uniform(size=6) if T is tg else results[0][4], requires_grad=True)
        out = bag(T.tensor([0, 6, 3, 3, 2, 1]), T.tensor([0, 3]), per_sample_weights=psw)
        out.sum().backward()
        results.append((_np(out), _np(bag.weight), _np(bag.weight.grad), _np(psw.grad),
                        _np(psw), list(bag.state_dict()), repr(bag),
                        bag.weight._version))
    for a, b in zip(results[0][:4], results[1][:4]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert results[0][5:] == results[1][5:]


REPRS = ["nn.EmbeddingBag(5, 3)", "nn.EmbeddingBag(5, 3, mode='sum', padding_idx=-1)",
         "nn.EmbeddingBag(5, 3, max_norm=2.0, norm_type=1.0, scale_grad_by_freq=True)",
         "nn.EmbeddingBag(5, 3, mode='max', include_last_offset=True, padding_idx=2)"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_and_parameters_match_torch(expr):
    ours, theirs = eval(expr, {"nn": tg.nn}), eval(expr, {"nn": torch.nn})
    assert repr(ours) == repr(theirs)
    assert ({k: tuple(v.shape) for k, v in ours.state_dict().items()}
            == {k: tuple(v.shape) for k, v in theirs.state_dict().items()})
    assert (ours.padding_idx, ours.mode, ours.include_last_offset) == (
        theirs.padding_idx, theirs.mode, theirs.include_last_offset)
    if ours.padding_idx is not None:
        assert not np.any(_np(ours.weight)[ours.padding_idx])


def test_from_pretrained_matches_torch():
    data = np.arange(12.0).reshape(4, 3)
    for freeze in (True, False):
        got = []
        for T in (tg, torch):
            bag = T.nn.EmbeddingBag.from_pretrained(T.tensor(data), freeze=freeze, mode="max",
                                                    padding_idx=1)
            got.append((repr(bag), bag.weight.requires_grad, _np(bag.weight).tolist(),
                        _np(bag(T.tensor([[0, 1], [2, 3]]))).tolist()))
        assert got[0] == got[1]
    for T in (tg, torch):
        with pytest.raises(AssertionError, match="Embeddings parameter is expected to be "
                                                 "2-dimensional"):
            T.nn.EmbeddingBag.from_pretrained(T.ones(3))


def test_module_construction_errors_match_torch():
    cases = ["nn.EmbeddingBag(5, 3, padding_idx=5)", "nn.EmbeddingBag(5, 3, padding_idx=-6)",
             "nn.EmbeddingBag(5, 3, _weight=T.ones(4, 3))"]
    for expr in cases:
        texts = []
        for T in (tg, torch):
            with pytest.raises(AssertionError) as info:
                eval(expr, {"nn": T.nn, "T": T})
            texts.append(str(info.value))
        assert texts[0] == texts[1], expr


def test_double_backward_records_torchs_nodes_and_raises_their_errors():
    rng = np.random.default_rng(0)
    w0, p0 = rng.normal(size=(6, 3)), rng.uniform(size=8)
    seen = []
    for T in (tg, torch):
        w = T.tensor(w0, requires_grad=True)
        p = T.tensor(p0, requires_grad=True)
        y = T.nn.functional.embedding_bag(T.tensor(IDX), w, T.tensor(OFF), mode="sum",
                                          per_sample_weights=p)
        gw, gp = T.autograd.grad((y ** 2).sum(), [w, p], create_graph=True)
        names = (type(gw.grad_fn).__name__, type(gp.grad_fn).__name__,
                 [type(f).__name__ if f is not None else None
                  for f, _ in gw.grad_fn.next_functions])
        errors = []
        for g in (gw, gp):
            try:
                g.sum().backward(retain_graph=True)
                errors.append(None)
            except (NotImplementedError, RuntimeError) as e:
                errors.append((type(e).__name__, str(e)))
        seen.append((names, errors))
        for T2, nodes in ((T, y.grad_fn.next_functions),):
            assert [type(f).__name__ for f, _ in nodes] == ["AccumulateGrad", "AccumulateGrad"]
    assert seen[0] == seen[1]
    y = tg.nn.functional.embedding_bag(tg.tensor(IDX), tg.ones(6, 3, requires_grad=True),
                                       tg.tensor(OFF))
    assert [f is None for f, _ in y.grad_fn.next_functions] == [False, True]


def test_argument_order_warning_matches_torch():
    w = np.random.default_rng(0).normal(size=(6, 3))
    got = []
    for T in (tg, torch):
        with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag "
                                             "was changed"):
            out = T.nn.functional.embedding_bag(T.tensor(w), T.tensor([[1, 2], [3, 4]]))
        got.append(_np(out))
    np.testing.assert_allclose(got[0], got[1], rtol=1e-12)
