"""The misc family's programs the op table cannot express, against live torch: in-place view
ops on leaves, views, bases and under no_grad; the random samplers (shapes, support,
statistics, reproducibility, errors); printing options and the small utilities."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity

TOL = dict(rtol=1e-9, atol=1e-9)


def _meta(t):
    return (tuple(t.shape), t.stride(), t.is_contiguous(), t._version, t.is_leaf,
            t.requires_grad, t._base is not None, t.storage_offset())


def _error(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001 - the error is the observable
        return type(e).__name__, str(e)
    return None


# ------------------------------------------------------------------ in-place view ops
IPV = [("t_", ()), ("squeeze_", ()),
       ("squeeze_", ((1, 0),)), ("unsqueeze_", (1,))]


def _shape(op):
    return (3, 1) if op == "squeeze_" else (3, 4)


def _base(T, op):
    shape = _shape(op)
    return T.arange(float(shape[0] * shape[1]), dtype=T.float64).reshape(shape)


def _weights(T, t):
    return T.arange(float(t.numel()), dtype=T.float64).reshape(t.shape)


def _leaf(T, op, args):
    a = _base(T, op)
    getattr(a, op)(*args)
    rg = _base(T, op).requires_grad_()
    err = _error(lambda: getattr(rg, op)(*args))
    with T.no_grad():
        getattr(rg, op)(*args)
    return _meta(a), a, err, _meta(rg), rg


def _view(T, op, args):
    # A view's geometry changes; its base keeps its history (no CopySlices) but shares the
    # version bump, so the base's other views regenerate their nodes.
    a = _base(T, op).requires_grad_()
    b = a * 2
    v, w = b[:], b[0]
    getattr(v, op)(*args)
    out = (_meta(v), _meta(b), v, b, w, _meta(w))
    (v * _weights(T, v)).sum().backward(retain_graph=True)
    g = a.grad.clone()
    (w * 3).sum().backward()
    return out, g, a.grad


def _view_then_write(T, op, args):
    a = _base(T, op).requires_grad_()
    b = a * 2
    v = b[:]
    getattr(v, op)(*args)
    v.mul_(_weights(T, v))
    out = (_meta(v), _meta(b), v, b)
    (b * _weights(T, b)).sum().backward()
    return out, a.grad


def _base_then_views(T, op, args):
    # Views made before and after the base's own geometry changed, written and read back.
    a = _base(T, op).requires_grad_()
    b = a * 2
    w = b[0]
    getattr(b, op)(*args)
    x = b.unsqueeze(0)[0]
    x.mul_(T.full(x.shape, 3., dtype=T.float64))
    out = (_meta(w), w, _meta(x), x, b, _meta(b))
    (w * 5).sum().backward(retain_graph=True)
    g = a.grad.clone()
    (b * _weights(T, b)).sum().backward()
    return out, g, a.grad


def _no_grad(T, op, args):
    # Under no_grad the history stays (a later backward meets torch's shape error); a view
    # regenerates its node from its base.
    a = _base(T, op).requires_grad_()
    b = a * 2
    v = (a * 3)[:]
    with T.no_grad():
        getattr(b, op)(*args)
        getattr(v, op)(*args)
    err = _error(lambda: (b * 1).sum().backward())
    (v * _weights(T, v)).sum().backward()
    return _meta(b), _meta(v), v, err, a.grad


def _aliases(T, op, args):
    # detach() and earlier views keep the old geometry and share the values.
    a = _base(T, op)
    d, y = a.detach(), a[0]
    getattr(a, op)(*args)
    a.add_(1)
    z = a.view(-1) if a.is_contiguous() else a.reshape(-1)
    return _meta(a), a, d, y, _meta(d), z, _meta(z), _error(lambda: a.view(-1))


@pytest.mark.parametrize("scenario", [_leaf, _view, _view_then_write, _base_then_views,
                                      _no_grad, _aliases], ids=lambda f: f.__name__[1:])
@pytest.mark.parametrize("op,args", IPV, ids=[f"{o}{a}" for o, a in IPV])
def test_inplace_view_matches_torch(scenario, op, args):
    def program(T):
        return scenario(T, op, args)
    assert_parity(program, **TOL)


def test_inplace_view_errors_match_torch():
    def program(T):
        a = T.ones(3, 4, requires_grad=True)
        v = a[:]
        b = a * 2
        with T.no_grad():
            ng = b[:]
        p, _ = (a * 2).split(2)
        q, _ = (a * 2)[:2].unbind(0)
        return [_error(f) for f in (
            lambda: a.transpose_(5, 0), lambda: a.squeeze_((0, 0)), lambda: a.unsqueeze_(5),
            lambda: T.ones(2, 3, 4, requires_grad=True).t_(), lambda: v.t_(), lambda: ng.t_(),
            lambda: p.t_(), lambda: q.unsqueeze_(0))], _meta(a), _meta(v), _meta(ng)
    assert_parity(program)


def test_inplace_view_geometry_matches_torch():
    def program(T):
        makers = [lambda: T.tensor(1.).t_(), lambda: T.ones(3).t_(),
                  lambda: T.tensor(1.).unsqueeze_(0), lambda: T.tensor(1.).squeeze_(0),
                  lambda: T.tensor(1.).squeeze_((0,)), lambda: T.ones(1, 3, 1, 4).squeeze_(),
                  lambda: T.ones(3, 1, 4).transpose(0, 2).squeeze_(1),
                  lambda: T.ones(3, 4).t().unsqueeze_(1), lambda: T.ones(3, 4).t().unsqueeze_(2),
                  lambda: T.ones(3, 1).expand(3, 4).t_(), lambda: T.arange(6).reshape(2, 3).t_(),
                  lambda: T.ones(3, 4)[:, 1:].t_(), lambda: T.ones(3, 4).t_().t_()]
        return [(_meta(t), t) for t in (m() for m in makers)]
    assert_parity(program)


def test_inplace_view_inference_and_create_graph_match_torch():
    def program(T):
        with T.inference_mode():
            x = T.ones(3, 4)
            x.t_()
        y = T.ones(3, 4)
        with T.inference_mode():
            y.t_()
        err = _error(lambda: x.unsqueeze_(0))
        a = T.tensor([[1., 2., 3.], [4., 5., 6.]], dtype=T.float64, requires_grad=True)
        grads = []
        for f in (lambda b: b.t_(), lambda b: b.unsqueeze_(0).squeeze_(),
                  lambda b: b.unsqueeze_(2).squeeze_((2,)), lambda b: b.unsqueeze_(0).squeeze_(0)):
            b = a * a
            f(b)
            g, = T.autograd.grad((b * b).sum(), a, create_graph=True)
            gg, = T.autograd.grad(g.sum(), a)
            grads.append((b, g, gg))
        b = a * 1
        b.transpose_(0, 1)
        saved = (b.grad_fn._saved_dim0, b.grad_fn._saved_dim1)
        return tuple(x.shape), tuple(y.shape), err, grads, saved
    assert_parity(program, **TOL)


def test_inplace_view_under_jax_jit():
    import jax
    import jax.numpy as jnp

    import tapegrad as tg

    def f(arr):
        a = tg.from_jax(arr, requires_grad=True)
        b = a * 2
        b.t_()
        b.unsqueeze_(0)
        b.squeeze_()
        v = b[1:]
        v.transpose_(0, 1)
        (v * tg.from_jax(jnp.arange(3.).reshape(3, 1))).sum().backward()
        return b.jax(), a.grad.jax()

    arr = jnp.arange(6.).reshape(3, 2)
    eager, jitted = f(arr), jax.jit(f)(arr)
    assert eager[0].shape == (2, 3)
    for e, j in zip(eager, jitted):
        assert (e == j).all()
    assert jitted[1].tolist() == [[0., 0.], [0., 2.], [0., 4.]]


# ------------------------------------------------------------------ random samplers
def test_random_samplers_errors_and_metadata_match_torch():
    def program(T):
        p = T.tensor([0.1, 0.2, 0.7])
        calls = [
            lambda: T.multinomial(p, 2), lambda: p.multinomial(5, True),
            lambda: T.multinomial(p.repeat(4, 1), 2), lambda: T.multinomial(p, num_samples=2),
            lambda: T.multinomial(T.tensor([0.5, 0.5, 0.]), 3), lambda: T.multinomial(p, -1),
            lambda: T.multinomial(T.tensor(1.), 1), lambda: T.multinomial(T.tensor([True]), 1),
            lambda: T.multinomial(T.tensor([1., float("inf"), 1.]), 1),
            lambda: T.multinomial(T.tensor([1., float("nan"), 1.]), 1),
            lambda: T.multinomial(T.tensor([[0., 0., 0.], [1., 1., 1.]]), 1),
            lambda: T.multinomial(T.ones(0, 3), 1), lambda: T.multinomial(T.ones(2, 0), 1),
            lambda: T.multinomial(p.double().requires_grad_(), 2),
            lambda: T.multinomial(T.tensor([1., 2.]).half(), 1),
            lambda: T.multinomial(T.tensor([0., 0.]), 2, True),
            lambda: T.multinomial(T.tensor([1., float("nan")]), 2, True),
            lambda: T.multinomial(T.tensor([1., float("inf")]), 2, True),
            lambda: T.multinomial(T.tensor([[1., 1.], [-1., 0.]]), 2, True),
            lambda: T.multinomial(T.tensor([[0., 0.], [-1., 0.]]), 2, True),
            lambda: p.multinomial(2.0), lambda: T.multinomial(p, True),
            lambda: T.multinomial(T.ones(3), T.tensor(2)),
            lambda: T.poisson(T.tensor([float("nan"), 2.])), lambda: T.poisson(T.tensor(3.)),
            lambda: T.poisson(T.ones(2, dtype=T.half)), lambda: T.poisson(T.tensor([0.])),
            lambda: T.randint_like(T.ones(2, 3, dtype=T.int32), 5),
            lambda: T.randint_like(T.ones(2, 3), 5, dtype=T.int64),
            lambda: T.randint_like(T.ones(2, 3), -1),
            lambda: T.randint_like(T.ones(2, 3, dtype=T.uint8), 300),
            lambda: T.randint_like(T.ones(2, 3, dtype=T.bool), 2),
            lambda: T.randint_like(T.ones(2, 3, dtype=T.bool), 3),
            lambda: T.randint_like(T.ones(2, 3), high=5),
            lambda: T.randint_like(T.ones(2, 3), low=1, high=5),
            lambda: T.randint_like(T.ones(2, 3, dtype=T.int8), 200),
            lambda: T.randint_like(T.ones(2, 3, dtype=T.int8), -200, 5),
            lambda: T.randint_like(T.ones(2, 3), T.tensor(5)),
            lambda: T.randint_like(T.ones(2, 3), T.tensor([5, 6])),
            lambda: T.randint_like(T.ones(2, 3), 2 ** 25),
            lambda: T.randint_like(T.ones(2), -2 ** 25, 3),
            lambda: T.randint_like(T.ones(2, dtype=T.half), 2 ** 12),
            lambda: T.randint_like(T.ones(2, dtype=T.int16), -2 ** 20, 0)]
        out = []
        for c in calls:
            try:
                r = c()
            except Exception as e:  # noqa: BLE001 - the error is the observable
                out.append((type(e).__name__, str(e)))
            else:
                out.append((tuple(r.shape), r.dtype, r.requires_grad))
        return out
    assert_parity(program)


def test_multinomial_statistics_and_reproducibility():
    import numpy as np

    import tapegrad as tg

    p = tg.tensor([0.1, 0.2, 0.0, 0.7], dtype=tg.float64)
    tg.manual_seed(0)
    a = tg.multinomial(p.repeat(2000, 1), 1).numpy().ravel()
    assert np.allclose(np.bincount(a, minlength=4) / a.size, [0.1, 0.2, 0.0, 0.7], atol=0.03)
    tg.manual_seed(0)
    assert (tg.multinomial(p.repeat(2000, 1), 1).numpy().ravel() == a).all()
    # With replacement: frequencies; weights need not sum to one.
    b = tg.multinomial(p * 10, 4000, replacement=True).numpy()
    assert np.allclose(np.bincount(b, minlength=4) / b.size, [0.1, 0.2, 0.0, 0.7], atol=0.03)
    # Without replacement: distinct per row, zero weights drawn last, the second draw
    # follows what the first left.
    c = tg.multinomial(p.repeat(3000, 1), 4).numpy()
    assert all(len(set(r)) == 4 for r in c) and (c[:, 3] == 2).all()
    first1 = c[c[:, 0] == 1, 1]  # first drew 1 (0.2): second is 0 or 3 in ratio 0.1 : 0.7
    assert abs((first1 == 3).mean() - 0.7 / 0.8) < 0.06
    g = tg.Generator().manual_seed(5)
    d1 = tg.multinomial(p, 2, generator=g)
    g.manual_seed(5)
    assert (tg.multinomial(p, 2, generator=g) == d1).all()


def test_poisson_and_randint_like_statistics():
    import numpy as np

    import tapegrad as tg

    tg.manual_seed(1)
    rate = tg.tensor([0.5, 3.0, 40.0], dtype=tg.float64).repeat(4000, 1)
    y = tg.poisson(rate).numpy()
    assert np.allclose(y.mean(0), [0.5, 3.0, 40.0], rtol=0.05)
    assert np.allclose(y.var(0), [0.5, 3.0, 40.0], rtol=0.1)
    tg.manual_seed(1)
    assert (tg.poisson(rate).numpy() == y).all()
    r = tg.randint_like(tg.ones(20000, dtype=tg.int32), -3, 4).numpy()
    assert r.min() == -3 and r.max() == 3
    assert np.allclose(np.bincount(r + 3) / r.size, 1 / 7, atol=0.01)


def test_random_samplers_under_jax_jit():
    import jax
    import jax.numpy as jnp
    import numpy as np

    import tapegrad as tg

    def f(probs, rate):
        p, lam = tg.from_jax(probs), tg.from_jax(rate, requires_grad=True)
        m = tg.multinomial(p, 2)
        m2 = p.multinomial(3, True)
        y = tg.poisson(lam)
        y.sum().backward()
        r = tg.randint_like(p, 0, 10)
        return m.jax(), m2.jax(), y.jax(), lam.grad.jax(), r.jax()

    state = tg.get_rng_state()
    try:
        with jax.enable_x64(True):  # int64 results in a trace the user's JAX owns (NOTE [x64])
            out = jax.jit(f)(jnp.array([[0.2, 0.0, 0.8]] * 5), jnp.array([1.0, 2.0]))
    finally:
        tg.set_rng_state(state)  # (the traced draws left a tracer in the generator)
    out = [np.asarray(o) for o in out]
    assert out[0].shape == (5, 2) and out[0].dtype == np.int64
    assert (out[0] != 1).all() and (out[0][:, 0] != out[0][:, 1]).all()
    assert out[1].shape == (5, 3) and (out[1] != 1).all()
    assert (out[3] == 0).all() and out[2].shape == (2,)
    assert out[4].shape == (5, 3) and ((out[4] >= 0) & (out[4] < 10)).all()


# ------------------------------------------------------------------ printing and settings
PRINT_OPTIONS = [{}, {"precision": 2}, {"precision": 8}, {"threshold": 5},
                 {"edgeitems": 1, "threshold": 10}, {"linewidth": 30}, {"sci_mode": True},
                 {"sci_mode": False}, {"profile": "short"}, {"profile": "full"},
                 {"profile": "short", "precision": 6}, {"edgeitems": 0, "threshold": 3},
                 {"linewidth": 200, "precision": 1, "sci_mode": True}]


def test_set_printoptions_changes_repr_as_torch():
    def program(T):
        xs = [T.tensor([1.123456789, 2.5, -3.75]), T.tensor([1e-5, 1., 100.]),
              T.tensor([1., 2., 3.]), T.tensor([1e9, 1.]),
              T.tensor([[i / 7 for i in range(6 * r, 6 * r + 6)] for r in range(5)]),
              T.arange(2000.), T.arange(2000).reshape(40, 50),
              T.tensor([[1.5, float("nan")], [float("inf"), 0.]]), T.tensor([1, 200, 30000]),
              T.tensor(3.14159), T.tensor([True, False]), T.arange(12.).reshape(2, 3, 2) * 1.1,
              T.tensor([1.25, 2.5], requires_grad=True) * 2,
              T.tensor([0.001, 123456.]).double(), T.arange(100.).reshape(10, 10)]
        out = []
        try:
            for options in PRINT_OPTIONS:
                T.set_printoptions(**options)
                out.append([repr(x).replace("tapegrad", "torch") for x in xs])
        finally:
            T.set_printoptions(profile="default")  # (and sci_mode back to automatic)
        out.append([repr(x).replace("tapegrad", "torch") for x in xs[:4]])
        return out
    assert_parity(program)


def test_set_default_tensor_type_matches_torch():
    def program(T):
        try:
            out = [_error(lambda: T.set_default_tensor_type(T.DoubleTensor)),
                   T.get_default_dtype(), T.tensor([1.]).dtype,
                   _error(lambda: T.set_default_tensor_type("torch.FloatTensor")),
                   T.get_default_dtype(),
                   _error(lambda: T.set_default_tensor_type(T.IntTensor)),
                   _error(lambda: T.set_default_tensor_type("torch.Foo")),
                   _error(lambda: T.set_default_tensor_type(T.float64)),
                   _error(lambda: T.set_default_tensor_type(3)),
                   _error(lambda: T.set_default_tensor_type("torch.cuda.DoubleTensor")),
                   T.get_default_dtype()]
        finally:
            T.set_default_dtype(T.float32)
        return out
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (once per process: checked below)
        assert_parity(program)


def test_set_default_tensor_type_warns_once_per_process_as_torch():
    import subprocess
    import sys

    script = ("import warnings, torch, tapegrad\n"
              "def run(T):\n"
              "    with warnings.catch_warnings(record=True) as caught:\n"
              "        warnings.simplefilter('always')\n"
              "        for t in (T.IntTensor, T.FloatTensor, T.FloatTensor):\n"
              "            try:\n"
              "                T.set_default_tensor_type(t)\n"
              "            except TypeError:\n"
              "                pass\n"
              "    return [str(w.message).split(' (Triggered')[0] for w in caught]\n"
              "print(repr((run(torch), run(tapegrad))))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    torch_warnings, tapegrad_warnings = eval(out.strip().splitlines()[-1])  # noqa: S307
    assert len(torch_warnings) == 1 and tapegrad_warnings == torch_warnings
