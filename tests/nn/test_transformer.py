"""Transformer, its encoder/decoder stacks and layers against torch (float64, same weights).

Values and grads in training mode with dropout=0 (torch's general path, as tapegrad's), and
values in eval mode under no_grad, where torch takes its fused fast path.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import tapegrad as tg

RTOL, ATOL = 1e-9, 1e-10


def to_np(t):
    return t.detach().numpy()


def close(a, b, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(to_np(a), to_np(b), rtol=rtol, atol=atol)


def build(make):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = make(torch).double()
        gm = make(tg).double()
    gm.load_state_dict(tm.state_dict())
    return tm, gm


def both(rng, shape):
    a = rng.standard_normal(shape)
    return torch.tensor(a, requires_grad=True), tg.tensor(a, requires_grad=True)


def compare(tm, gm, t_args, g_args, kwargs_t=None, kwargs_g=None, eval_too=True):
    kwargs_t, kwargs_g = kwargs_t or {}, kwargs_g or {}
    t_out, g_out = tm(*t_args, **kwargs_t), gm(*g_args, **kwargs_g)
    close(t_out, g_out)
    seed = np.random.default_rng(3).standard_normal(tuple(t_out.shape))
    t_out.backward(torch.tensor(seed))
    g_out.backward(tg.tensor(seed))
    for t, g in zip(t_args, g_args, strict=True):
        close(t.grad, g.grad)
    gp = dict(gm.named_parameters())
    for name, p in tm.named_parameters():
        close(p.grad, gp[name].grad)
    if eval_too:
        tm.eval()
        gm.eval()
        with torch.no_grad(), warnings.catch_warnings():
            # torch's nested-tensor path warns (once per process) that nested tensors are a
            # prototype; tapegrad does not emit that warning.
            warnings.filterwarnings("ignore", "The PyTorch API of nested tensors")
            t_eval = tm(*t_args, **kwargs_t)
        with tg.no_grad():
            g_eval = gm(*g_args, **kwargs_g)
        # torch's fast path may leave padded positions as 0 where the slow path has values.
        close(t_eval, g_eval, rtol=1e-7, atol=1e-9)


ENCODER_LAYERS = [
    dict(),
    dict(norm_first=True, activation="gelu"),
    dict(batch_first=True, activation="relu"),
    dict(batch_first=True, norm_first=True, bias=False),
]


@pytest.mark.parametrize("kw", ENCODER_LAYERS, ids=[str(k) for k in ENCODER_LAYERS])
def test_encoder_layer(kw):
    tm, gm = build(lambda L: L.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, **kw))
    rng = np.random.default_rng(1)
    x = both(rng, (3, 4, 4))
    compare(tm, gm, (x[0],), (x[1],))


def test_encoder_layer_callable_activation_and_masks():
    tm = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=torch.tanh,
                                          batch_first=True).double()
    gm = tg.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=tg.tanh,
                                       batch_first=True).double()
    gm.load_state_dict(tm.state_dict())
    assert tm.activation_relu_or_gelu == gm.activation_relu_or_gelu == 0
    rng = np.random.default_rng(2)
    x = both(rng, (3, 4, 4))
    pad = np.array([[False, False, False, True], [False, False, True, True],
                    [False, False, False, False]])
    compare(tm, gm, (x[0],), (x[1],),
            dict(src_key_padding_mask=torch.tensor(pad)),
            dict(src_key_padding_mask=tg.tensor(pad)), eval_too=False)


@pytest.mark.parametrize("mask_kind", ["causal-float", "causal-is_causal", "padding"])
def test_encoder_stack_masks(mask_kind):
    def make(L):
        layer = L.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True)
        return L.nn.TransformerEncoder(layer, 2, norm=L.nn.LayerNorm(4))
    tm, gm = build(make)
    rng = np.random.default_rng(4)
    x = both(rng, (3, 4, 4))
    if mask_kind == "padding":
        pad = np.array([[False, False, False, True], [False, False, True, True],
                        [False, False, False, False]])
        kt, kg = (dict(src_key_padding_mask=torch.tensor(pad)),
                  dict(src_key_padding_mask=tg.tensor(pad)))
    else:
        mt = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
        mg = tg.nn.Transformer.generate_square_subsequent_mask(4, dtype=tg.float64)
        close(mt, mg)
        kt, kg = dict(mask=mt), dict(mask=mg)
        if mask_kind == "causal-is_causal":
            kt["is_causal"] = kg["is_causal"] = True
    # In eval mode with a padding mask torch takes its nested-tensor path (zeros at padded
    # positions before the final norm); tapegrad reproduces that.
    compare(tm, gm, (x[0],), (x[1],), kt, kg)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(norm_first):
    tm, gm = build(lambda L: L.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0,
                                                          norm_first=norm_first))
    rng = np.random.default_rng(5)
    tgt, mem = both(rng, (3, 2, 4)), both(rng, (4, 2, 4))
    mt = torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64)
    mg = tg.nn.Transformer.generate_square_subsequent_mask(3, dtype=tg.float64)
    compare(tm, gm, (tgt[0], mem[0]), (tgt[1], mem[1]), dict(tgt_mask=mt), dict(tgt_mask=mg))


def test_full_transformer():
    def make(L):
        return L.nn.Transformer(d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                                dim_feedforward=8, dropout=0.0, batch_first=True)
    tm, gm = build(make)
    assert [n for n, _ in tm.named_parameters()] == [n for n, _ in gm.named_parameters()]
    rng = np.random.default_rng(6)
    src, tgt = both(rng, (2, 4, 4)), both(rng, (2, 3, 4))
    mt = torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64)
    mg = tg.nn.Transformer.generate_square_subsequent_mask(3, dtype=tg.float64)
    compare(tm, gm, (src[0], tgt[0]), (src[1], tgt[1]), dict(tgt_mask=mt), dict(tgt_mask=mg))


def raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("name,call", [
    ("activation", lambda L: L.nn.TransformerEncoderLayer(4, 2, 8, activation="tanh")),
    ("batch", lambda L: L.nn.Transformer(4, 2, 1, 1, 8)(L.zeros(3, 2, 4), L.zeros(3, 1, 4))),
    ("features", lambda L: L.nn.Transformer(4, 2, 1, 1, 8)(L.zeros(3, 2, 4), L.zeros(3, 2, 3))),
    ("mask-dtype", lambda L: L.nn.TransformerEncoderLayer(4, 2, 8)(
        L.zeros(3, 2, 4), src_mask=L.zeros(3, 3, dtype=L.int64))),
])
def test_errors_match_torch(name, call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r_t, r_g = raised(lambda: call(torch)), raised(lambda: call(tg))
    assert r_t is not None and r_t == r_g


def test_warnings_and_attributes_match_torch():
    for kw in (dict(), dict(batch_first=True), dict(batch_first=True, norm_first=True),
               dict(batch_first=True, activation=lambda x: x)):
        results = []
        for L in (torch, tg):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                layer = L.nn.TransformerEncoderLayer(4, 2, 8, **kw)
                enc = L.nn.TransformerEncoder(layer, 2)
            results.append(([str(x.message) for x in w], enc.use_nested_tensor,
                            layer.activation_relu_or_gelu, len(enc.layers),
                            enc.layers[0] is not enc.layers[1]))
        assert results[0] == results[1]
    mt = torch.nn.Transformer.generate_square_subsequent_mask(3)
    mg = tg.nn.Transformer.generate_square_subsequent_mask(3)
    assert mg.dtype == tg.float32
    close(mt, mg)


def test_train_small_encoder_matches_torch():
    def make(L):
        class Model(L.nn.Module):
            def __init__(self):
                super().__init__()
                layer = L.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True)
                self.encoder = L.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
                self.head = L.nn.Linear(4, 3)

            def forward(self, x):
                return self.head(self.encoder(x).mean(1))
        return Model()
    tm, gm = build(make)
    rng = np.random.default_rng(7)
    data = [(rng.standard_normal((3, 4, 4)), rng.integers(0, 3, 3)) for _ in range(4)]
    losses = []
    for L, model in ((torch, tm), (tg, gm)):
        opt = L.optim.SGD(model.parameters(), lr=0.2)
        run = []
        for x, y in data:
            opt.zero_grad()
            loss = L.nn.functional.cross_entropy(model(L.tensor(x)), L.tensor(y))
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-6)
