"""tg.distributions' Geometric, Binomial, NegativeBinomial, Multinomial,
OneHotCategoricalStraightThrough and RelaxedOneHotCategorical against torch.distributions on the
same float64 parameters: log_prob, entropy, moments and their gradients; sample shapes, dtypes,
support and loose statistics; rsample gradients; expand; support/arg_constraints; torch's
validation errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.distributions as td

import tapegrad as tg
import tapegrad.distributions as gd

RNG = np.random.default_rng(1)
POS = RNG.uniform(0.5, 2.0, (3,))
REAL = RNG.standard_normal((3,))
UNIT = RNG.uniform(0.1, 0.9, (3,))
SIMPLEX = RNG.uniform(0.1, 1.0, (2, 4))
SIMPLEX_PT = SIMPLEX[::-1] / SIMPLEX[::-1].sum(-1, keepdims=True)
COUNTS = np.array([[1.0, 0.0, 2.0, 1.0], [0.0, 4.0, 0.0, 0.0]])


def _params(M, spec):
    return {k: M.tensor(v, dtype=M.float64, requires_grad=True) if isinstance(v, np.ndarray)
            else v for k, v in spec.items()}


# case -> (class, constructor kwargs, a value in the support, outputs compared)
CASES = {
    "Geometric": ("Geometric", dict(probs=UNIT), np.array([0.0, 2.0, 5.0]),
                  ["entropy", "mean", "mode", "variance", "stddev"]),
    "GeometricLogits": ("Geometric", dict(logits=REAL), np.array([1.0, 0.0, 3.0]),
                        ["entropy", "mean", "variance"]),
    "Binomial": ("Binomial", dict(total_count=5, probs=UNIT), np.array([0.0, 3.0, 5.0]),
                 ["entropy", "mean", "mode", "variance"]),
    "BinomialLogits": ("Binomial", dict(total_count=5, logits=REAL), np.array([1.0, 2.0, 4.0]),
                       ["entropy", "mean", "mode", "variance"]),
    "BinomialTensorCount": ("Binomial", dict(total_count=np.array([3.0, 5.0, 8.0]), probs=UNIT),
                            np.array([1.0, 5.0, 0.0]), ["mean", "mode", "variance"]),
    "NegativeBinomial": ("NegativeBinomial", dict(total_count=POS, probs=UNIT),
                         np.array([0.0, 2.0, 5.0]), ["mean", "mode", "variance"]),
    "NegativeBinomialLogits": ("NegativeBinomial", dict(total_count=POS + 1, logits=REAL),
                               np.array([3.0, 0.0, 1.0]), ["mean", "mode", "variance"]),
    "Multinomial": ("Multinomial", dict(total_count=4, probs=SIMPLEX), COUNTS,
                    ["entropy", "mean", "variance"]),
    "MultinomialLogits": ("Multinomial", dict(total_count=4, logits=SIMPLEX), COUNTS,
                          ["entropy", "mean", "variance"]),
    "OneHotCategoricalStraightThrough": ("OneHotCategoricalStraightThrough",
                                         dict(probs=SIMPLEX), np.eye(4)[[2, 0]],
                                         ["entropy", "mean", "mode", "variance"]),
    "RelaxedOneHotCategorical": ("RelaxedOneHotCategorical",
                                 dict(temperature=np.array(0.7), probs=SIMPLEX), SIMPLEX_PT,
                                 []),
    "RelaxedOneHotCategoricalLogits": ("RelaxedOneHotCategorical",
                                       dict(temperature=np.array([1.3]), logits=SIMPLEX),
                                       SIMPLEX_PT, ["temperature", "probs", "logits"]),
}


def _collect(M, lib, name):
    cls, spec, value, methods = CASES[name]
    params = _params(M, spec)
    d = getattr(lib, cls)(**params)
    v = M.tensor(value, dtype=M.float64)
    outs = {"log_prob": d.log_prob(v)}
    for m in methods:
        outs[m] = d.entropy() if m == "entropy" else getattr(d, m)
    return d, params, outs


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_grads_equal_torch(name):
    d, params, outs = _collect(tg, gd, name)
    td_, tparams, touts = _collect(torch, td, name)
    assert (tuple(d.batch_shape), tuple(d.event_shape)) == (tuple(td_.batch_shape),
                                                            tuple(td_.event_shape))
    for k in outs:
        np.testing.assert_allclose(outs[k].detach().numpy(), touts[k].detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=k)
        assert str(outs[k].dtype) == str(touts[k].dtype).replace("torch", "tapegrad"), k
        assert tuple(outs[k].shape) == tuple(touts[k].shape), k
    diff = [k for k in params if isinstance(params[k], tg.Tensor)]
    total = sum(o.sum() for o in outs.values() if o.requires_grad)
    ttotal = sum(o.sum() for o in touts.values() if o.requires_grad)
    grads = tg.autograd.grad(total, [params[k] for k in diff], allow_unused=True)
    tgrads = torch.autograd.grad(ttotal, [tparams[k] for k in diff], allow_unused=True)
    for k, g, tgr in zip(diff, grads, tgrads):
        assert (g is None) == (tgr is None), k
        if g is not None:
            np.testing.assert_allclose(g.numpy(), tgr.numpy(), rtol=1e-7, atol=1e-12,
                                       err_msg=k)
    # Methods torch leaves unimplemented raise the same way here.
    for m in ("entropy", "mean", "variance", "mode"):
        if m in outs:
            continue
        try:
            getattr(td_, m)() if m == "entropy" else getattr(td_, m)
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            with pytest.raises(type(e)):
                getattr(d, m)() if m == "entropy" else getattr(d, m)


# The probs/logits variants share these code paths; one case per class keeps the file fast.
PRIMARY = sorted(k for k in CASES if k == CASES[k][0])


@pytest.mark.parametrize("name", PRIMARY + ["BinomialTensorCount"])
def test_support_constraints_and_expand(name):
    d, _, _ = _collect(tg, gd, name)
    td_, _, _ = _collect(torch, td, name)
    assert repr(d.support).replace("tapegrad.", "torch.") == repr(td_.support)
    assert d.support.is_discrete == td_.support.is_discrete
    assert d.support.event_dim == td_.support.event_dim
    assert sorted(d.arg_constraints) == sorted(td_.arg_constraints)
    for k in d.arg_constraints:
        assert repr(d.arg_constraints[k]) == repr(td_.arg_constraints[k])
    assert d.has_rsample == td_.has_rsample
    assert d.has_enumerate_support == td_.has_enumerate_support
    assert repr(d) == repr(td_)
    for attr in ("param_shape", "total_count"):
        if hasattr(td_, attr):
            a, b = getattr(d, attr), getattr(td_, attr)
            a, b = [x.detach() if hasattr(x, "detach") else x for x in (a, b)]
            assert tuple(np.shape(a)) == tuple(np.shape(b)) and type(a) is not tuple, attr
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    shape = (5,) + tuple(d.batch_shape)
    e, te = d.expand(shape), td_.expand(shape)
    assert type(e) is type(d)
    assert (tuple(e.batch_shape), tuple(e.event_shape)) == (tuple(te.batch_shape),
                                                            tuple(te.event_shape))
    v = tg.tensor(CASES[name][2], dtype=tg.float64)
    np.testing.assert_allclose(e.log_prob(v).detach().numpy(),
                               te.log_prob(torch.tensor(CASES[name][2])).detach().numpy(),
                               rtol=1e-10)
    assert e._validate_args == te._validate_args


@pytest.mark.parametrize("name", PRIMARY)
def test_samples_shapes_dtypes_support(name):
    d, _, _ = _collect(tg, gd, name)
    td_, _, _ = _collect(torch, td, name)
    tg.manual_seed(0)
    for shape in [(5,)] if "NegativeBinomial" in name else [(), (5,)]:
        s, ts = d.sample(shape), td_.sample(shape)
        assert tuple(s.shape) == tuple(ts.shape)
        assert str(s.dtype).split(".")[1] == str(ts.dtype).split(".")[1]
        assert not s.requires_grad
        assert bool(d.support.check(s).all().item())
    if d.has_rsample:
        r = d.rsample((5,))
        assert r.requires_grad and tuple(r.shape) == tuple(td_.rsample((5,)).shape)


@pytest.mark.parametrize("name,kwargs,mean,var", [
    ("Geometric", dict(probs=0.3), 0.7 / 0.3, 0.7 / 0.09),
    ("Binomial", dict(total_count=10.0, probs=0.3), 3.0, 2.1),
    ("NegativeBinomial", dict(total_count=3.0, probs=0.4), 2.0, 2.0 / 0.6),
])
def test_sample_statistics(name, kwargs, mean, var):
    tg.manual_seed(0)
    s = getattr(gd, name)(**{k: tg.tensor(v, dtype=tg.float64) for k, v in kwargs.items()}) \
        .sample((4000,)).numpy()
    assert (s == np.floor(s)).all() and (s >= 0).all()
    assert abs(s.mean() - mean) < 5 * np.sqrt(var / 4000)
    assert abs(s.var() - var) < 0.15 * var


def test_multinomial_and_relaxed_sample_statistics():
    tg.manual_seed(0)
    p = np.array([0.2, 0.5, 0.3])
    s = gd.Multinomial(10, tg.tensor(p)).sample((2000,)).numpy()
    assert (s.sum(-1) == 10).all()
    np.testing.assert_allclose(s.mean(0), 10 * p, atol=0.1)
    r = gd.RelaxedOneHotCategorical(tg.tensor(0.1), tg.tensor(p)).sample((2000,)).numpy()
    np.testing.assert_allclose(r.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.bincount(r.argmax(-1), minlength=3) / 2000, p, atol=0.04)
    o = gd.OneHotCategoricalStraightThrough(tg.tensor(p)).sample((2000,)).numpy()
    np.testing.assert_allclose(o.mean(0), p, atol=0.04)


def test_rsample_gradients():
    # Straight-through: d(sum w * rsample)/dprobs is torch's (the sample value drops out).
    w = np.array([[1.0, -2.0, 0.5, 3.0], [0.3, 0.2, -1.0, 2.0]])
    grads = []
    for M, lib in ((tg, gd), (torch, td)):
        probs = M.tensor(SIMPLEX, dtype=M.float64, requires_grad=True)
        r = lib.OneHotCategoricalStraightThrough(probs).rsample((3,))
        grads.append(M.autograd.grad((r * M.tensor(w)).sum(), probs)[0].numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)
    temp = tg.tensor(0.7, dtype=tg.float64, requires_grad=True)
    logits = tg.tensor(SIMPLEX, dtype=tg.float64, requires_grad=True)
    r = gd.RelaxedOneHotCategorical(temp, logits=logits).rsample((5,))
    (r[..., 0]).sum().backward()
    assert np.isfinite(temp.grad.numpy()).all() and np.isfinite(logits.grad.numpy()).all()


def test_enumerate_support_equals_torch():
    for d, t in [(gd.Binomial(3, tg.tensor(UNIT)), td.Binomial(3, torch.tensor(UNIT))),
                 (gd.OneHotCategoricalStraightThrough(tg.tensor(SIMPLEX)),
                  td.OneHotCategoricalStraightThrough(torch.tensor(SIMPLEX)))]:
        for expand in (True, False):
            a, b = d.enumerate_support(expand), t.enumerate_support(expand)
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]


def _err(fn_ours, fn_ref):
    with pytest.raises(Exception) as ref:
        fn_ref()
    with pytest.raises(ref.type) as ours:
        fn_ours()
    assert str(ours.value) == str(ref.value)


@pytest.mark.parametrize("build", [
    lambda M, D: D.Geometric(),
    lambda M, D: D.Geometric(probs=M.tensor([0.2, 1.5])),
    lambda M, D: D.Geometric(probs=M.tensor([0.2, 0.0, 0.5])),
    lambda M, D: D.Geometric(logits=M.tensor([0.2, float("nan")])),
    lambda M, D: D.Geometric(M.tensor([0.5, 0.5])).log_prob(M.tensor([1.5, 1.0])),
    lambda M, D: D.Binomial(5, M.tensor([0.2, 0.5]), M.tensor([0.2, 0.5])),
    lambda M, D: D.Binomial(M.tensor([2.5, 3.0]), M.tensor([0.2, 0.5])),
    lambda M, D: D.Binomial(M.tensor([-1.0, 3.0]), M.tensor([0.2, 0.5])),
    lambda M, D: D.Binomial(3, M.tensor([0.2, 1.5])),
    lambda M, D: D.Binomial(3, M.tensor([0.2, 0.5])).log_prob(M.tensor([4.0, 1.0])),
    lambda M, D: D.Binomial(M.tensor([2.0, 3.0]), M.tensor([0.2, 0.5])).entropy(),
    lambda M, D: D.Binomial(M.tensor([2.0, 3.0]), M.tensor([0.2, 0.5])).enumerate_support(),
    lambda M, D: D.NegativeBinomial(M.tensor([-1.0, 3.0]), M.tensor([0.2, 0.5])),
    lambda M, D: D.NegativeBinomial(M.tensor([1.0, 3.0]), M.tensor([0.2, 1.0])),
    lambda M, D: D.NegativeBinomial(2.0),
    lambda M, D: D.NegativeBinomial(2.0, M.tensor([0.5])).log_prob(M.tensor([-1.0])),
    lambda M, D: D.Multinomial(M.tensor(3), M.tensor([0.2, 0.8])),
    lambda M, D: D.Multinomial(3, M.tensor([0.2, -0.8])),
    lambda M, D: D.Multinomial(3, M.tensor(0.2)),
    lambda M, D: D.Multinomial(3),
    lambda M, D: D.Multinomial(3, M.tensor([0.2, 0.8])).log_prob(M.tensor([3.0, 1.0])),
    lambda M, D: D.Multinomial(3, M.tensor([0.2, 0.8])).log_prob(M.tensor([3.0, 1.0, 0.0])),
    lambda M, D: D.OneHotCategoricalStraightThrough(M.tensor([0.2, -0.8])),
    lambda M, D: D.OneHotCategoricalStraightThrough(M.tensor([0.2, 0.8])).log_prob(
        M.tensor([1.0, 1.0])),
    lambda M, D: D.RelaxedOneHotCategorical(M.tensor(0.5), M.tensor([0.2, -0.8])),
    lambda M, D: D.RelaxedOneHotCategorical(M.tensor(0.5), logits=M.tensor(
        [0.2, float("nan")])),
    lambda M, D: D.RelaxedOneHotCategorical(M.tensor(0.5)),
    lambda M, D: D.RelaxedOneHotCategorical(M.tensor(0.5), M.tensor([0.2, 0.8])).log_prob(
        M.tensor([0.5, 0.6])),
])
def test_validation_errors_equal_torch(build):
    _err(lambda: build(tg, gd), lambda: build(torch, td))


# ---------------------------------------------------------------- multivariate_more
A32 = RNG.standard_normal((3, 2))
LOC23 = RNG.standard_normal((2, 3))
SCALE23 = RNG.uniform(0.5, 2.0, (2, 3))
MIX_P = RNG.uniform(0.2, 1.0, (3,))


def _lowrank(M, D, p):
    return D.LowRankMultivariateNormal(p["loc"], p["cov_factor"], p["cov_diag"])


def _mix_normal(M, D, p):
    return D.MixtureSameFamily(D.Categorical(probs=p["mix"]), D.Normal(p["loc"], p["scale"]))


def _mix_independent(M, D, p):
    return D.MixtureSameFamily(D.Categorical(logits=p["mix"]),
                               D.Independent(D.Normal(p["loc"].mT, p["scale"].mT), 1))


def _mix_lowrank(M, D, p):
    comp = D.LowRankMultivariateNormal(p["loc"], p["cov_factor"].expand(2, 3, 2),
                                       p["cov_diag"])
    return D.MixtureSameFamily(D.Categorical(probs=p["mix"][:2]), comp)


A33 = RNG.standard_normal((3, 3))
COV = A33 @ A33.T + 3 * np.eye(3)
WVAL = COV[::-1, ::-1] / 2 + np.eye(3)
CORR = np.array([[1.0, 0.3, 0.2], [0.3, 1.0, -0.4], [0.2, -0.4, 1.0]])


def _wishart(M, D, p):
    return D.Wishart(p["df"], **{k: v for k, v in p.items() if k != "df"})


def _lkj(M, D, p):
    return D.LKJCholesky(3, p["concentration"])


# case -> (builder, parameters, value, outputs compared)
MCASES = {
    "Wishart": (_wishart, dict(df=np.array([4.5, 6.0]), covariance_matrix=COV), WVAL,
                ["entropy", "mean", "mode", "variance", "scale_tril", "precision_matrix"]),
    "WishartTril": (_wishart, dict(df=np.array(3.5), scale_tril=np.linalg.cholesky(COV)),
                    WVAL, ["entropy", "mean", "variance", "covariance_matrix", "df"]),
    "WishartPrecision": (_wishart, dict(df=np.array(5.0), precision_matrix=COV), WVAL,
                         ["entropy", "mode", "scale_tril", "covariance_matrix"]),
    "LKJCholesky": (_lkj, dict(concentration=np.array([0.7, 1.5, 3.0])),
                    np.linalg.cholesky(CORR), ["concentration"]),
    "LowRankMultivariateNormal": (_lowrank, dict(loc=REAL, cov_factor=A32, cov_diag=POS),
                                  REAL + 0.3, ["entropy", "mean", "mode", "variance", "stddev",
                                               "scale_tril", "covariance_matrix",
                                               "precision_matrix", "cov_factor", "cov_diag"]),
    "MixtureSameFamilyNormal": (_mix_normal, dict(mix=SCALE23[::-1].copy(), loc=LOC23, scale=SCALE23),
                                REAL[:2], ["mean", "variance", "cdf"]),
    "MixtureSameFamilyIndependent": (_mix_independent, dict(mix=MIX_P, loc=LOC23,
                                                            scale=SCALE23),
                                     REAL[:2], ["mean", "variance"]),
    "MixtureSameFamilyLowRank": (_mix_lowrank, dict(mix=MIX_P, loc=LOC23, cov_factor=A32,
                                                    cov_diag=POS), REAL - 0.2,
                                 ["mean", "variance"]),
}


# Variants of a case above: values and gradients only (no expand or sampling, to keep the
# file fast).
SECONDARY = {"WishartTril", "WishartPrecision", "MixtureSameFamilyLowRank"}


def _mcollect(M, D, name):
    build, spec, value, methods = MCASES[name]
    params = _params(M, spec)
    d = build(M, D, params)
    v = M.tensor(value, dtype=M.float64)
    outs = {"log_prob": d.log_prob(v)}
    for m in methods:
        outs[m] = d.entropy() if m == "entropy" else d.cdf(v) if m == "cdf" else getattr(d, m)
    return d, params, outs, v


@pytest.mark.parametrize("name", sorted(MCASES))
def test_multivariate_values_grads_expand_equal_torch(name):
    d, params, outs, v = _mcollect(tg, gd, name)
    td_, tparams, touts, tv = _mcollect(torch, td, name)
    assert (tuple(d.batch_shape), tuple(d.event_shape)) == (tuple(td_.batch_shape),
                                                            tuple(td_.event_shape))
    for k in outs:
        np.testing.assert_allclose(outs[k].detach().numpy(), touts[k].detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=k)
        assert tuple(outs[k].shape) == tuple(touts[k].shape), k
        assert outs[k].dtype == tg.float64, k
    keys = list(params)
    # The graph is kept: rsample below reuses what __init__ computed (a Cholesky factor).
    grads = tg.autograd.grad(sum(o.sum() for o in outs.values()), [params[k] for k in keys],
                             retain_graph=True)
    tgrads = torch.autograd.grad(sum(o.sum() for o in touts.values()),
                                 [tparams[k] for k in keys])
    for k, g, tgr in zip(keys, grads, tgrads):
        np.testing.assert_allclose(g.numpy(), tgr.numpy(), rtol=1e-7, atol=1e-12, err_msg=k)
    assert repr(d.support) == repr(td_.support)
    assert d.support.event_dim == td_.support.event_dim
    assert sorted(d.arg_constraints) == sorted(td_.arg_constraints)
    assert d.has_rsample == td_.has_rsample
    assert repr(d).replace("tapegrad.", "torch.") == repr(td_)
    if name in SECONDARY:
        return
    shape = (4,) + tuple(d.batch_shape)
    e, te = d.expand(shape), td_.expand(shape)
    assert type(e) is type(d)
    assert (tuple(e.batch_shape), tuple(e.event_shape)) == (tuple(te.batch_shape),
                                                            tuple(te.event_shape))
    np.testing.assert_allclose(e.log_prob(v).detach().numpy(),
                               te.log_prob(tv).detach().numpy(), rtol=1e-10)
    tg.manual_seed(0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        s = d.sample((5,))
        n_ours = len(w)
        ts = td_.sample((5,))
        # torch's Wishart warns "Singular sample detected." on every draw (its flag is
        # inverted); so does this one.
        assert [str(x.message) for x in w[:n_ours]] == [str(x.message) for x in w[n_ours:]]
        assert tuple(s.shape) == tuple(ts.shape) and s.dtype == tg.float64
        assert not s.requires_grad
        assert bool(d.support.check(s).all())
        if d.has_rsample:
            r = d.rsample((5,))
            assert r.requires_grad and tuple(r.shape) == tuple(td_.rsample((5,)).shape)
            g = tg.autograd.grad(r.sum(), [params[k] for k in keys])
            assert all(np.isfinite(x.numpy()).all() for x in g)


def test_wishart_lkj_sample_statistics():
    tg.manual_seed(0)
    with pytest.warns(UserWarning, match="Singular sample detected."):
        s = gd.Wishart(tg.tensor(5.0, dtype=tg.float64),
                       covariance_matrix=tg.tensor(COV)).sample((2000,)).numpy()
    np.testing.assert_allclose(s.mean(0), 5.0 * COV, rtol=0.1, atol=0.3)
    L = gd.LKJCholesky(3, tg.tensor(2.0, dtype=tg.float64)).sample((2000,)).numpy()
    C = L @ np.swapaxes(L, -1, -2)
    np.testing.assert_allclose(np.diagonal(C, axis1=-2, axis2=-1), 1.0, rtol=1e-10)
    # LKJ(eta) with D = 3: each off-diagonal correlation has variance 1 / (2 eta + D - 1).
    assert abs(C[:, 0, 1].var() - 1 / 6) < 0.02 and abs(C[:, 0, 1].mean()) < 0.03


def test_multivariate_sample_statistics():
    tg.manual_seed(0)
    W, Dg = np.array([[1.0], [0.5]]), np.array([0.5, 1.0])
    s = gd.LowRankMultivariateNormal(tg.tensor([1.0, -1.0], dtype=tg.float64),
                                     tg.tensor(W), tg.tensor(Dg)).sample((4000,)).numpy()
    np.testing.assert_allclose(s.mean(0), [1.0, -1.0], atol=0.1)
    np.testing.assert_allclose(np.cov(s.T), W @ W.T + np.diag(Dg), atol=0.12)
    m = gd.MixtureSameFamily(gd.Categorical(tg.tensor([0.3, 0.7], dtype=tg.float64)),
                             gd.Normal(tg.tensor([-5.0, 5.0], dtype=tg.float64),
                                       tg.tensor([1.0, 1.0], dtype=tg.float64)))
    x = m.sample((4000,)).numpy()
    assert abs((x > 0).mean() - 0.7) < 0.04
    assert abs(x.mean() - float(m.mean)) < 0.3


@pytest.mark.parametrize("build", [
    lambda M, D: D.LowRankMultivariateNormal(M.tensor(0.0), M.ones(2, 1), M.ones(2)),
    lambda M, D: D.LowRankMultivariateNormal(M.zeros(2), M.ones(2), M.ones(2)),
    lambda M, D: D.LowRankMultivariateNormal(M.zeros(2), M.ones(3, 1), M.ones(2)),
    lambda M, D: D.LowRankMultivariateNormal(M.zeros(2), M.ones(2, 1), M.ones(3)),
    lambda M, D: D.LowRankMultivariateNormal(M.zeros(2, 2), M.ones(3, 2, 1), M.ones(2)),
    lambda M, D: D.LowRankMultivariateNormal(M.zeros(2), M.ones(2, 1), M.tensor([1.0, -1.0])),
    lambda M, D: D.LowRankMultivariateNormal(M.zeros(2), M.ones(2, 1), M.ones(2)).log_prob(
        M.zeros(3)),
    lambda M, D: D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(M.zeros(2), M.ones(2))),
    lambda M, D: D.MixtureSameFamily(D.Categorical(M.ones(2)), "x"),
    lambda M, D: D.MixtureSameFamily(D.Categorical(M.ones(3)), D.Normal(M.zeros(2), M.ones(2))),
    lambda M, D: D.MixtureSameFamily(D.Categorical(M.ones(3, 2)),
                                     D.Normal(M.zeros(4, 2), M.ones(4, 2))),
    lambda M, D: D.MixtureSameFamily(D.Categorical(M.ones(2)),
                                     D.Exponential(M.ones(2))).log_prob(M.tensor(-1.0)),
])
def test_multivariate_validation_errors_equal_torch(build):
    _err(lambda: build(tg, gd), lambda: build(torch, td))


@pytest.mark.parametrize("build", [
    lambda M, D: D.Wishart(2.0, covariance_matrix=M.eye(3)),
    lambda M, D: D.Wishart(M.tensor([4.0, 1.5]), covariance_matrix=M.eye(3)),
    lambda M, D: D.Wishart(4.0),
    lambda M, D: D.Wishart(4.0, M.eye(2), scale_tril=M.eye(2)),
    lambda M, D: D.Wishart(4.0, covariance_matrix=M.ones(3)),
    lambda M, D: D.Wishart(4.0, covariance_matrix=-M.eye(3)),
    lambda M, D: D.Wishart(4.0, scale_tril=M.ones(3, 3)),
    lambda M, D: D.Wishart(4.0, covariance_matrix=M.eye(3)).log_prob(-M.eye(3)),
    lambda M, D: D.Wishart(4.0, covariance_matrix=M.eye(3)).log_prob(M.eye(2)),
    lambda M, D: D.LKJCholesky(1),
    lambda M, D: D.LKJCholesky(3, -1.0),
    lambda M, D: D.LKJCholesky(3, M.tensor([1.0, 0.0])),
    lambda M, D: D.LKJCholesky(3, 1.0).log_prob(2 * M.eye(3)),
    lambda M, D: D.LKJCholesky(3, 1.0).log_prob(M.ones(3, 3)),
])
def test_wishart_lkj_validation_errors_equal_torch(build):
    _err(lambda: build(tg, gd), lambda: build(torch, td))


def test_wishart_low_df_warning_equals_torch():
    msgs = []
    for M, D in ((tg, gd), (torch, td)):
        with pytest.warns(UserWarning) as rec:
            D.Wishart(2.5, covariance_matrix=M.eye(3))
        msgs.append([str(r.message) for r in rec])
    assert msgs[0] == msgs[1]


A32B = RNG.standard_normal((3, 2))
KL_PAIRS = [
    ("Binomial", lambda M, D, a, b: (D.Binomial(5, a), D.Binomial(5, logits=b)),
     (UNIT, REAL)),
    ("BinomialInf", lambda M, D, a, b: (D.Binomial(M.tensor([5.0, 6.0, 5.0]), a),
                                        D.Binomial(5, b)), (UNIT, UNIT[::-1].copy())),
    ("Geometric", lambda M, D, a, b: (D.Geometric(a), D.Geometric(logits=b)), (UNIT, REAL)),
    ("PoissonBinomial", lambda M, D, a, b: (D.Poisson(a), D.Binomial(5, b)), (POS, UNIT)),
    ("OneHotCategoricalStraightThrough",
     lambda M, D, a, b: (D.OneHotCategoricalStraightThrough(a),
                         D.OneHotCategoricalStraightThrough(logits=b)), (SIMPLEX, SIMPLEX + 1)),
    ("LowRankLowRank", lambda M, D, a, b: (D.LowRankMultivariateNormal(a, b, M.tensor(POS)),
                                           D.LowRankMultivariateNormal(-a, b * 2, b[:, 0] ** 2
                                                                       + 0.5)), (REAL, A32)),
    ("MultivariateNormalLowRank",
     lambda M, D, a, b: (D.MultivariateNormal(a, covariance_matrix=M.tensor(COV)),
                         D.LowRankMultivariateNormal(-a, b, b[:, 1] ** 2 + 0.5)), (REAL, A32)),
    ("LowRankMultivariateNormal",
     lambda M, D, a, b: (D.LowRankMultivariateNormal(a, b, b[:, 1] ** 2 + 0.5),
                         D.MultivariateNormal(-a, scale_tril=M.tensor(np.linalg.cholesky(COV)))),
     (LOC23, A32)),
    ("Wishart", lambda M, D, a, b: (D.Wishart(a, covariance_matrix=b),
                                    D.Wishart(a[1] - 0.5, precision_matrix=b / 2)),
     (np.array([4.5, 6.0]), COV)),
]


@pytest.mark.parametrize("name,build,args", KL_PAIRS, ids=[k[0] for k in KL_PAIRS])
def test_kl_values_and_grads_equal_torch(name, build, args):
    res = []
    for M, D in ((tg, gd), (torch, td)):
        leaves = [M.tensor(a, dtype=M.float64, requires_grad=True) for a in args]
        kl = D.kl_divergence(*build(M, D, *leaves))
        grads = [] if not kl.requires_grad else M.autograd.grad(
            kl[kl.isfinite()].sum(), leaves, allow_unused=True, materialize_grads=True)
        res.append((kl.detach().numpy(), [g.numpy() for g in grads]))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10, atol=1e-12)
    for g, tgr in zip(res[0][1], res[1][1]):
        np.testing.assert_allclose(g, tgr, rtol=1e-7, atol=1e-12)
    for M, D in ((tg, gd), (torch, td)):
        with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
            D.kl_divergence(D.Binomial(3, M.tensor([0.5])), D.Binomial(4, M.tensor([0.5])))
