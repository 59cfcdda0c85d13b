"""RNN/LSTM/GRU, their cells and nn.utils.rnn against torch (float64, same weights).

tapegrad runs the recurrence as per-step ops where torch uses fused kernels, so these compare
values and gradients (outputs, final states, input grads, every parameter's grad), not grad_fn
names.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import tapegrad as tg
from tapegrad.nn.utils import rnn as tg_rnn

RTOL, ATOL = 1e-9, 1e-10


def to_np(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


def close(a, b, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(to_np(a), to_np(b), rtol=rtol, atol=atol)


def flat(x):
    if isinstance(x, (tuple, list)):
        return [y for e in x for y in flat(e)]
    if isinstance(x, (torch.nn.utils.rnn.PackedSequence, tg_rnn.PackedSequence)):
        return [x.data]
    return [x]


def pair(cls_name, *args, **kwargs):
    tm = getattr(torch.nn, cls_name)(*args, **kwargs).double()
    gm = getattr(tg.nn, cls_name)(*args, **kwargs).double()
    gm.load_state_dict(tm.state_dict())
    return tm, gm


def both(rng, shape):
    a = rng.standard_normal(shape)
    return (torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True))


def check_module(tm, gm, t_inputs, g_inputs, call=None):
    call = call or (lambda m, *xs: m(*xs))
    t_out, g_out = call(tm, *t_inputs), call(gm, *g_inputs)
    t_flat, g_flat = flat(t_out), flat(g_out)
    assert len(t_flat) == len(g_flat)
    rng = np.random.default_rng(7)
    seeds = [rng.standard_normal(tuple(t.shape)) for t in t_flat]
    for t, g in zip(t_flat, g_flat, strict=True):
        assert tuple(t.shape) == tuple(g.shape)
        close(t, g)
    torch.autograd.backward(t_flat, [torch.tensor(s) for s in seeds])
    tg.autograd.backward(g_flat, [tg.tensor(s) for s in seeds])
    for t, g in zip(flat(t_inputs), flat(g_inputs), strict=True):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            close(t.grad, g.grad)
    t_params = dict(tm.named_parameters())
    for name, p in gm.named_parameters():
        close(t_params[name].grad, p.grad)
    return t_out, g_out


CONFIGS = [
    ("RNN", dict()),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bias=False)),
    ("RNN", dict(bidirectional=True, batch_first=True)),
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=2, batch_first=True)),
    ("LSTM", dict(proj_size=3, num_layers=2, bidirectional=True, bias=False)),
    ("GRU", dict()),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
]
IDS = [f"{c}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for c, kw in CONFIGS]


def hidden_inputs(cls_name, kw, rng, batch):
    d = 2 if kw.get("bidirectional") else 1
    layers = kw.get("num_layers", 1)
    h = 5
    real = kw.get("proj_size", 0) or h
    bshape = (batch,) if batch else ()
    h0 = both(rng, (layers * d, *bshape, real))
    if cls_name == "LSTM":
        c0 = both(rng, (layers * d, *bshape, h))
        return (h0[0], c0[0]), (h0[1], c0[1])
    return h0


# Each distinct (op, shape) compiles once per process: one h0 variant per config keeps it fast.
@pytest.mark.parametrize("cls_name,kw,with_h0",
                         [(c, kw, i % 2 == 1) for i, (c, kw) in enumerate(CONFIGS)], ids=IDS)
def test_rnn_matches_torch(cls_name, kw, with_h0):
    torch.manual_seed(0)
    tm, gm = pair(cls_name, 3, 5, **kw)
    rng = np.random.default_rng(1)
    shape = (2, 4, 3) if kw.get("batch_first") else (4, 2, 3)
    x = both(rng, shape)
    if with_h0:
        h = hidden_inputs(cls_name, kw, rng, 2)
        check_module(tm, gm, (x[0], h[0]), (x[1], h[1]))
    else:
        check_module(tm, gm, (x[0],), (x[1],))


@pytest.mark.parametrize("cls_name", ["LSTM", "GRU"])
def test_unbatched_input(cls_name):
    torch.manual_seed(0)
    kw = dict(num_layers=2, bidirectional=True)
    tm, gm = pair(cls_name, 3, 5, **kw)
    rng = np.random.default_rng(2)
    x = both(rng, (4, 3))
    h = hidden_inputs(cls_name, kw, rng, None)
    check_module(tm, gm, (x[0], h[0]), (x[1], h[1]))
    check_module(tm, gm, (x[0],), (x[1],))


PACKED = [("RNN", dict(bidirectional=True), True), ("LSTM", dict(num_layers=2), False),
          ("LSTM", dict(proj_size=2, bidirectional=True), True),
          ("GRU", dict(num_layers=2, bidirectional=True), False)]


@pytest.mark.parametrize("cls_name,kw,enforce_sorted", PACKED,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(PACKED)])
def test_packed_input(cls_name, kw, enforce_sorted):
    torch.manual_seed(0)
    tm, gm = pair(cls_name, 3, 5, **kw)
    rng = np.random.default_rng(3)
    lengths = [4, 2, 1] if enforce_sorted else [2, 4, 1]
    x = both(rng, (4, 3, 3))

    def call(m, x, *h):
        lib = torch.nn.utils.rnn if isinstance(x, torch.Tensor) else tg_rnn
        packed = lib.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
        out, hidden = m(packed, *h)
        padded, lens = lib.pad_packed_sequence(out, total_length=5)
        assert lens.tolist() == lengths
        return padded, hidden

    # batch_first concerns tensors only: a PackedSequence is the same either way.
    if enforce_sorted:
        check_module(tm, gm, (x[0],), (x[1],), call=call)
    else:
        h = hidden_inputs(cls_name, kw, rng, 3)
        check_module(tm, gm, (x[0], h[0]), (x[1], h[1]), call=call)


def test_parameters_init_and_repr():
    tm = torch.nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2, batch_first=True)
    gm = tg.nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2, batch_first=True)
    assert [(n, tuple(p.shape)) for n, p in tm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in gm.named_parameters()]
    assert repr(tm) == repr(gm)
    assert [[tuple(p.shape) for p in ws] for ws in tm.all_weights] == \
        [[tuple(p.shape) for p in ws] for ws in gm.all_weights]
    bound = 1 / 2
    for p in gm.parameters():
        v = p.detach().numpy()
        assert v.min() >= -bound and v.max() <= bound and v.std() > 0
    for cls, kw in [("RNN", dict(nonlinearity="relu", bias=False, dropout=0.5, num_layers=2)),
                    ("GRU", dict(batch_first=True)), ("RNNCell", dict(nonlinearity="relu")),
                    ("LSTMCell", dict(bias=False)), ("GRUCell", {})]:
        assert repr(getattr(torch.nn, cls)(3, 4, **kw)) == repr(getattr(tg.nn, cls)(3, 4, **kw))
        assert [n for n, _ in getattr(torch.nn, cls)(3, 4, **kw).named_parameters()] == \
            [n for n, _ in getattr(tg.nn, cls)(3, 4, **kw).named_parameters()]
    assert not isinstance(tg.nn.GRU(3, 4), tg.nn.RNN)
    assert isinstance(tg.nn.GRU(3, 4), tg.nn.RNNBase)


def raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def both_raise(make, *args, call=None):
    results = []
    for lib in (torch, tg):
        def run(lib=lib):
            m = make(lib)
            if call is not None:
                call(lib, m)
        results.append(raised(run))
    assert results[0] is not None
    assert results[0] == results[1]


ERROR_CASES = {
    "dropout-range": (lambda L: L.nn.LSTM(3, 4, dropout=1.5), None),
    "dropout-bool": (lambda L: L.nn.LSTM(3, 4, dropout=True), None),
    "hidden-type": (lambda L: L.nn.GRU(3, 4.0), None),
    "hidden-zero": (lambda L: L.nn.GRU(3, 0), None),
    "input-zero": (lambda L: L.nn.GRU(0, 3), None),
    "layers-zero": (lambda L: L.nn.RNN(3, 4, 0), None),
    "bias-type": (lambda L: L.nn.RNN(3, 4, bias=1), None),
    "proj-negative": (lambda L: L.nn.LSTM(3, 4, proj_size=-1), None),
    "proj-too-big": (lambda L: L.nn.LSTM(3, 4, proj_size=4), None),
    "proj-gru": (lambda L: L.nn.GRU(3, 4, proj_size=2), None),
    "nonlinearity": (lambda L: L.nn.RNN(3, 4, nonlinearity="sigmoid"), None),
    "input-size": (lambda L: L.nn.LSTM(3, 4), lambda L, m: m(L.zeros(2, 2, 5))),
    "input-rank-rnn": (lambda L: L.nn.RNN(3, 4), lambda L, m: m(L.zeros(2, 2, 2, 3))),
    "input-rank-gru": (lambda L: L.nn.GRU(3, 4), lambda L, m: m(L.zeros(3))),
    "input-rank-lstm": (lambda L: L.nn.LSTM(3, 4), lambda L, m: m(L.zeros(1, 2, 2, 3))),
    "dtype": (lambda L: L.nn.LSTM(3, 4), lambda L, m: m(L.zeros(2, 2, 3, dtype=L.float64))),
    "hidden-size": (lambda L: L.nn.GRU(3, 4), lambda L, m: m(L.zeros(2, 2, 3), L.zeros(1, 3, 4))),
    "hidden-rank": (lambda L: L.nn.GRU(3, 4), lambda L, m: m(L.zeros(2, 2, 3), L.zeros(3, 4))),
    "hidden-rank-unbatched": (lambda L: L.nn.RNN(3, 4),
                              lambda L, m: m(L.zeros(2, 3), L.zeros(1, 1, 4))),
    "lstm-h": (lambda L: L.nn.LSTM(3, 4),
               lambda L, m: m(L.zeros(2, 2, 3), (L.zeros(1, 3, 4), L.zeros(1, 2, 4)))),
    "lstm-c": (lambda L: L.nn.LSTM(3, 4, proj_size=2),
               lambda L, m: m(L.zeros(2, 2, 3), (L.zeros(1, 2, 2), L.zeros(1, 2, 2)))),
    "lstm-hx-rank": (lambda L: L.nn.LSTM(3, 4),
                     lambda L, m: m(L.zeros(2, 2, 3), (L.zeros(2, 4), L.zeros(1, 2, 4)))),
    "lstm-hx-rank-unbatched": (lambda L: L.nn.LSTM(3, 4),
                               lambda L, m: m(L.zeros(2, 3), (L.zeros(1, 1, 4), L.zeros(1, 4)))),
    "cell-input-rank": (lambda L: L.nn.GRUCell(3, 4), lambda L, m: m(L.zeros(1, 2, 3))),
    "cell-hidden-rank": (lambda L: L.nn.RNNCell(3, 4),
                         lambda L, m: m(L.zeros(2, 3), L.zeros(1, 2, 4))),
    "cell-hx-rank": (lambda L: L.nn.LSTMCell(3, 4),
                     lambda L, m: m(L.zeros(2, 3), (L.zeros(2, 4), L.zeros(1, 2, 4)))),
    "cell-input-size": (lambda L: L.nn.LSTMCell(3, 4), lambda L, m: m(L.zeros(2, 5))),
    "cell-batch": (lambda L: L.nn.GRUCell(3, 4), lambda L, m: m(L.zeros(2, 3), L.zeros(3, 4))),
    "cell-hidden-size": (lambda L: L.nn.GRUCell(3, 4),
                         lambda L, m: m(L.zeros(2, 3), L.zeros(2, 5))),
    "cell-c-size": (lambda L: L.nn.LSTMCell(3, 4),
                    lambda L, m: m(L.zeros(2, 3), (L.zeros(2, 4), L.zeros(2, 5)))),
    "cell-nonlinearity": (lambda L: L.nn.RNNCell(3, 4, nonlinearity="foo"),
                          lambda L, m: m(L.zeros(2, 3))),
}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match_torch(name):
    make, call = ERROR_CASES[name]
    both_raise(make, call=call)


def test_dropout_warning_matches():
    msgs = []
    for lib in (torch, tg):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.GRU(3, 4, dropout=0.2)
        msgs.append([str(x.message) for x in w])
    assert msgs[0] == msgs[1] and msgs[0]


@pytest.mark.parametrize("cls_name,kw", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                         ("LSTMCell", {}), ("GRUCell", {}),
                                         ("GRUCell", dict(bias=False))])
@pytest.mark.parametrize("batched,with_h", [(True, True), (False, False)])
def test_cells_match_torch(cls_name, kw, batched, with_h):
    torch.manual_seed(0)
    tm, gm = pair(cls_name, 3, 5, **kw)
    rng = np.random.default_rng(4)
    b = (2,) if batched else ()
    x = both(rng, (*b, 3))
    if not with_h:
        check_module(tm, gm, (x[0],), (x[1],))
        return
    if cls_name == "LSTMCell":
        h, c = both(rng, (*b, 5)), both(rng, (*b, 5))
        check_module(tm, gm, (x[0], (h[0], c[0])), (x[1], (h[1], c[1])))
    else:
        h = both(rng, (*b, 5))
        check_module(tm, gm, (x[0], h[0]), (x[1], h[1]))


def test_dropout_between_layers_eval_and_train_shapes():
    torch.manual_seed(0)
    tm, gm = pair("LSTM", 3, 5, num_layers=2, dropout=0.5)
    tm.eval()
    gm.eval()
    rng = np.random.default_rng(5)
    x = both(rng, (4, 2, 3))
    check_module(tm, gm, (x[0],), (x[1],))
    gm.train()
    out, _ = gm(x[1])
    assert tuple(out.shape) == (4, 2, 5)


# ---------------------------------------------------------------------- nn.utils.rnn
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence(batch_first, padding_side):
    rng = np.random.default_rng(6)
    seqs = [both(rng, (n, 2)) for n in (3, 1, 4)]
    t = torch.nn.utils.rnn.pad_sequence([s[0] for s in seqs], batch_first=batch_first,
                                        padding_value=-1.5, padding_side=padding_side)
    g = tg_rnn.pad_sequence([s[1] for s in seqs], batch_first=batch_first,
                            padding_value=-1.5, padding_side=padding_side)
    close(t, g)
    seed = rng.standard_normal(tuple(t.shape))
    t.backward(torch.tensor(seed))
    g.backward(tg.tensor(seed))
    for s in seqs:
        close(s[0].grad, s[1].grad)


def test_pack_and_pad_round_trip():
    rng = np.random.default_rng(8)
    for batch_first in (False, True):
        for lengths, enforce in (([4, 3, 1], True), ([1, 4, 3], False)):
            x = both(rng, (3, 4, 2) if batch_first else (4, 3, 2))
            lt = torch.tensor(lengths)
            for lens in (lengths, lt):
                tp = torch.nn.utils.rnn.pack_padded_sequence(x[0], lens, batch_first, enforce)
                gl = lens if isinstance(lens, list) else tg.tensor(lengths)
                gp = tg_rnn.pack_padded_sequence(x[1], gl, batch_first, enforce)
                assert isinstance(gp, tuple) and gp._fields == tp._fields
                close(tp.data, gp.data)
                assert tp.batch_sizes.tolist() == gp.batch_sizes.tolist()
                for a, b in ((tp.sorted_indices, gp.sorted_indices),
                             (tp.unsorted_indices, gp.unsorted_indices)):
                    assert (a is None) == (b is None)
                    if a is not None:
                        assert a.tolist() == b.tolist() and b.dtype == tg.int64
                to, tl = torch.nn.utils.rnn.pad_packed_sequence(tp, batch_first, 0.5, 6)
                go, gl_ = tg_rnn.pad_packed_sequence(gp, batch_first, 0.5, 6)
                close(to, go)
                assert tl.tolist() == gl_.tolist() and gl_.dtype == tg.int64
    seqs = [both(rng, (n, 2)) for n in (2, 3, 1)]
    tp = torch.nn.utils.rnn.pack_sequence([s[0] for s in seqs], enforce_sorted=False)
    gp = tg_rnn.pack_sequence([s[1] for s in seqs], enforce_sorted=False)
    close(tp.data, gp.data)
    seed = rng.standard_normal(tuple(tp.data.shape))
    tp.data.backward(torch.tensor(seed))
    gp.data.backward(tg.tensor(seed))
    for s in seqs:
        close(s[0].grad, s[1].grad)
    tu = torch.nn.utils.rnn.unpack_sequence(tp)
    gu = tg_rnn.unpack_sequence(gp)
    for a, b in zip(tu, gu, strict=True):
        close(a, b)


@pytest.mark.parametrize("name,call", [
    ("not-sorted", lambda L, U: U.pack_padded_sequence(L.zeros(4, 3, 2), [2, 3, 1])),
    ("nonpositive", lambda L, U: U.pack_padded_sequence(L.zeros(4, 3, 2), [3, 2, 0])),
    ("batch", lambda L, U: U.pack_padded_sequence(L.zeros(4, 3, 2), [3, 2])),
    ("total-length", lambda L, U: U.pad_packed_sequence(
        U.pack_padded_sequence(L.zeros(4, 3, 2), [4, 2, 1]), total_length=3)),
    ("not-iterable", lambda L, U: U.pad_sequence(5)),
    ("empty", lambda L, U: U.pad_sequence([])),
    ("side", lambda L, U: U.pad_sequence([L.zeros(2, 3)], padding_side="mid")),
    ("trailing", lambda L, U: U.pad_sequence([L.zeros(2, 3), L.zeros(2, 4)])),
])
def test_utils_errors(name, call):
    r_t = raised(lambda: call(torch, torch.nn.utils.rnn))
    r_g = raised(lambda: call(tg, tg_rnn))
    assert r_t is not None and r_t == r_g


# ---------------------------------------------------------------------- training
def _sgd_losses(lib, model, batches, lr, loss_fn):
    opt = lib.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for batch in batches:
        opt.zero_grad()
        loss = loss_fn(lib, model, *batch)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _classifier(lib, cell, **kw):
    class Classifier(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(lib.nn, cell)(3, 6, batch_first=True, **kw)
            self.head = lib.nn.Linear(6 * (2 if kw.get("bidirectional") else 1), 3)

        def forward(self, x):
            _, hidden = self.rnn(x)
            h = hidden[0] if isinstance(hidden, tuple) else hidden
            return self.head(lib.cat(list(h[-2:] if kw.get("bidirectional") else h[-1:]), -1))
    return Classifier().double()


def test_train_lstm_classifier_matches_torch():
    torch.manual_seed(0)
    tm = _classifier(torch, "LSTM", num_layers=2)
    gm = _classifier(tg, "LSTM", num_layers=2)
    gm.load_state_dict(tm.state_dict())
    rng = np.random.default_rng(9)
    data = [(rng.standard_normal((3, 4, 3)), rng.integers(0, 3, 3)) for _ in range(4)]

    def loss_fn(lib, model, x, y):
        return lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(y))

    lt = _sgd_losses(torch, tm, data, 0.5, loss_fn)
    lg = _sgd_losses(tg, gm, data, 0.5, loss_fn)
    np.testing.assert_allclose(lg, lt, rtol=1e-6)
    for (n, p), (_, q) in zip(tm.named_parameters(), gm.named_parameters(), strict=True):
        close(p, q, rtol=1e-8, atol=1e-10)


def test_train_gru_on_packed_sequences_matches_torch():
    torch.manual_seed(0)
    tm = _classifier(torch, "GRU", bidirectional=True)
    gm = _classifier(tg, "GRU", bidirectional=True)
    gm.load_state_dict(tm.state_dict())
    rng = np.random.default_rng(10)
    data = []
    for _ in range(4):
        # One unsorted length order for every batch: one graph structure, compiled once.
        lengths = [2, 5, 3]
        seqs = [rng.standard_normal((n, 3)) for n in lengths]
        data.append((seqs, rng.integers(0, 3, 3)))

    def loss_fn(lib, model, seqs, y):
        U = torch.nn.utils.rnn if lib is torch else tg_rnn
        packed = U.pack_sequence([lib.tensor(s) for s in seqs], enforce_sorted=False)
        out, h = model.rnn(packed)
        padded, _ = U.pad_packed_sequence(out, batch_first=True)
        logits = model.head(lib.cat([h[0], h[1]], -1)) + padded.sum() * 0.01
        return lib.nn.functional.cross_entropy(logits, lib.tensor(y))

    lt = _sgd_losses(torch, tm, data, 0.3, loss_fn)
    lg = _sgd_losses(tg, gm, data, 0.3, loss_fn)
    np.testing.assert_allclose(lg, lt, rtol=1e-6)
