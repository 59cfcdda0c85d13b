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
