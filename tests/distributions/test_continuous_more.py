"""tg.distributions' Cauchy, HalfNormal, HalfCauchy, Gumbel, Weibull, Pareto, Chi2, StudentT,
Kumaraswamy, InverseGamma, FisherSnedecor, GeneralizedPareto, ContinuousBernoulli,
RelaxedBernoulli, LogisticNormal, VonMises and ExponentialFamily against torch.distributions on
the same parameters: log_prob, entropy, moments, cdf/icdf and KL values and their gradients;
AbsTransform, PowerTransform, StickBreakingTransform; shapes and dtypes of samples, rsample
gradients, loose sample statistics; support, arg_constraints, expand; torch's validation
errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td

import tapegrad as tg
import tapegrad.distributions as gd

RNG = np.random.default_rng(1)
POS = RNG.uniform(0.5, 2.0, (3,))
POS2 = RNG.uniform(0.5, 2.0, (3,))
REAL = RNG.standard_normal((3,))
UNIT = np.array([0.2, 0.5, 0.7])
MIXED = np.array([0.8, 1.5, 3.0])  # on both sides of the moments' thresholds 1 and 2
DF2 = np.array([1.5, 3.0, 5.0])
SIMPLEX4 = np.array([[0.2, 0.3, 0.1, 0.4], [0.1, 0.1, 0.5, 0.3]])

ALL = ["log_prob", "entropy", "mean", "mode", "variance", "stddev", "cdf", "icdf"]
NO_MODE = [m for m in ALL if m != "mode"]

# case -> (class, constructor kwargs, a value in the support, methods)
CASES = {
    "Cauchy": ("Cauchy", dict(loc=REAL, scale=POS), REAL + 0.3, ALL),
    "HalfNormal": ("HalfNormal", dict(scale=POS), POS2, ALL),
    "HalfCauchy": ("HalfCauchy", dict(scale=POS), POS2, ALL),
    "Gumbel": ("Gumbel", dict(loc=REAL, scale=POS), REAL + 0.3, ALL),
    "Weibull": ("Weibull", dict(scale=POS, concentration=MIXED), POS2, ALL),
    "Pareto": ("Pareto", dict(scale=POS, alpha=MIXED * 1.2), POS + POS2, ALL),
    "Chi2": ("Chi2", dict(df=POS * 2), POS2, ["log_prob", "entropy", "mean", "mode",
                                              "variance", "stddev"]),
    "StudentT": ("StudentT", dict(df=MIXED, loc=REAL, scale=POS), REAL - 0.2,
                 ["log_prob", "entropy", "mean", "mode", "variance"]),
    "StudentTDefault": ("StudentT", dict(df=POS * 3), REAL, ["log_prob", "entropy",
                                                             "variance"]),
    "Kumaraswamy": ("Kumaraswamy", dict(concentration1=POS * 1.5, concentration0=MIXED), UNIT,
                    ALL),
    "InverseGamma": ("InverseGamma", dict(concentration=MIXED, rate=POS), POS2,
                     ["log_prob", "entropy", "mean", "mode", "variance"]),
    "FisherSnedecor": ("FisherSnedecor", dict(df1=MIXED + 1, df2=DF2), POS2,
                       ["log_prob", "mean", "mode", "variance"]),
    "GeneralizedPareto": ("GeneralizedPareto",
                          dict(loc=REAL, scale=POS, concentration=np.array([0.3, 0.0, -0.2])),
                          None, ["entropy", "mean", "mode", "variance", "icdf"]),
    "ContinuousBernoulli": ("ContinuousBernoulli", dict(probs=np.array([0.2, 0.5, 0.8])),
                            UNIT, NO_MODE),
    "ContinuousBernoulliLogits": ("ContinuousBernoulli", dict(logits=REAL), UNIT, NO_MODE),
    "RelaxedBernoulli": ("RelaxedBernoulli", dict(temperature=np.array(0.7), probs=UNIT),
                         UNIT[::-1].copy(), ["log_prob"]),
    "RelaxedBernoulliLogits": ("RelaxedBernoulli", dict(temperature=np.array(1.3),
                                                        logits=REAL), UNIT, ["log_prob"]),
    "LogisticNormal": ("LogisticNormal", dict(loc=RNG.standard_normal((2, 3)),
                                              scale=RNG.uniform(0.5, 2.0, (2, 3))),
                       SIMPLEX4, ["log_prob"]),
    "VonMises": ("VonMises", dict(loc=np.array([-0.3, 0.4, 3.1]),
                                  concentration=np.array([0.5, 2.0, 5.0])),
                 np.array([0.1, -2.0, 7.0]), ["log_prob", "mean", "mode", "variance"]),
}


def _params(M, spec):
    return {k: M.tensor(v, dtype=M.float64, requires_grad=True) for k, v in spec.items()}


def _call(d, M, method, value):
    if method == "log_prob":
        return d.log_prob(value)
    if method == "cdf":
        return d.cdf(value)
    if method == "icdf":
        return d.icdf(M.tensor(UNIT, dtype=M.float64))
    if method == "entropy":
        return d.entropy()
    return getattr(d, method)


def _build(M, lib, case):
    cls, spec, _, _ = CASES[case]
    params = _params(M, spec)
    return getattr(lib, cls)(**params), params


def _collect(M, lib, case):
    _, _, value, methods = CASES[case]
    d, params = _build(M, lib, case)
    v = None if value is None else M.tensor(value, dtype=M.float64)
    outs = {m: _call(d, M, m, v) for m in methods}
    return d, params, outs


def _finite_sum(M, outs):
    total = 0
    for o in outs.values():
        if o.requires_grad:
            total = total + M.where(M.isfinite(o), o, M.zeros_like(o)).sum()
    return total


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_grads_equal_torch(case):
    d, params, outs = _collect(tg, gd, case)
    td_, tparams, touts = _collect(torch, td, case)
    assert (tuple(d.batch_shape), tuple(d.event_shape)) == \
        (tuple(td_.batch_shape), tuple(td_.event_shape))
    for k in outs:
        np.testing.assert_allclose(outs[k].detach().numpy(), touts[k].detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=k)
        assert str(outs[k].dtype).split(".")[1] == str(touts[k].dtype).split(".")[1], k
        assert outs[k].requires_grad == touts[k].requires_grad, k
    keys = list(params)
    grads = tg.autograd.grad(_finite_sum(tg, outs), [params[k] for k in keys],
                             allow_unused=True)
    tgrads = torch.autograd.grad(_finite_sum(torch, touts), [tparams[k] for k in keys],
                                 allow_unused=True)
    for k, g, tgr in zip(keys, grads, tgrads):
        assert (g is None) == (tgr is None), k
        if g is not None:
            np.testing.assert_allclose(g.numpy(), tgr.numpy(), rtol=1e-8, atol=1e-12,
                                       err_msg=k)


@pytest.mark.parametrize("cls,spec", [
    ("Chi2", dict(df=POS * 2)),
    ("InverseGamma", dict(concentration=MIXED, rate=POS)),
])
def test_gamma_cdf_values_and_missing_concentration_grad(cls, spec):
    res = []
    for M, lib in ((tg, gd), (torch, td)):
        params = _params(M, spec)
        c = getattr(lib, cls)(**params).cdf(M.tensor(POS2, dtype=M.float64))
        with pytest.raises(NotImplementedError) as err:
            M.autograd.grad(c.sum(), list(params.values()))
        res.append((c.detach().numpy(), str(err.value)))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10)
    assert res[0][1] == res[1][1]


def test_generalized_pareto_log_prob_and_cdf():
    # torch compares the concentration with a float32 zero: float32 works, float64 raises.
    spec = dict(loc=REAL, scale=POS, concentration=np.array([0.3, 0.0, -0.2]))
    res = []
    for M, lib in ((tg, gd), (torch, td)):
        params = {k: M.tensor(v, dtype=M.float32, requires_grad=True) for k, v in spec.items()}
        d = lib.GeneralizedPareto(**params)
        v = M.tensor(REAL + 0.5, dtype=M.float32)
        outs = [d.log_prob(v), d.cdf(v), d.log_survival_function(v)]
        g = M.autograd.grad(sum(o.sum() for o in outs), list(params.values()))
        res.append(([o.detach().numpy() for o in outs], [x.numpy() for x in g]))
        d64 = lib.GeneralizedPareto(**_params(M, spec))
        with pytest.raises(RuntimeError) as err:
            d64.log_prob(M.tensor(REAL + 0.5, dtype=M.float64))
        res[-1] += (str(err.value),)
    for a, b in zip(res[0][0] + res[0][1], res[1][0] + res[1][1]):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-6)
    assert res[0][2] == res[1][2]


@pytest.mark.parametrize("case", sorted(CASES))
def test_samples_shapes_dtypes(case):
    d, params = _build(tg, gd, case)
    td_, _ = _build(torch, td, case)
    # One sample shape (each new shape compiles); the shape () is covered by test_expand_*.
    s, ts = d.sample((5,)), td_.sample((5,))
    assert tuple(s.shape) == tuple(ts.shape)
    assert str(s.dtype).split(".")[1] == str(ts.dtype).split(".")[1]
    assert not s.requires_grad
    assert bool(d.support.check(s).all())
    assert d.has_rsample == td_.has_rsample
    if d.has_rsample:
        r = d.rsample((5,))
        assert r.requires_grad and tuple(r.shape) == tuple(td_.rsample((5,)).shape)
        grads = tg.autograd.grad(r.sum(), list(params.values()), allow_unused=True)
        assert any(g is not None and np.isfinite(g.numpy()).all() for g in grads)


def _stat(name, kwargs, n=4000):
    tg.manual_seed(0)
    d = getattr(gd, name)(**{k: tg.tensor(v, dtype=tg.float64) for k, v in kwargs.items()})
    return d.sample((n,)).numpy()


@pytest.mark.parametrize("name,kwargs,mean,var", [
    ("HalfNormal", dict(scale=2.0), 2.0 * np.sqrt(2 / np.pi), 4.0 * (1 - 2 / np.pi)),
    ("Gumbel", dict(loc=1.0, scale=0.5), 1.0 + 0.5 * np.euler_gamma, (np.pi * 0.5) ** 2 / 6),
    ("Weibull", dict(scale=1.0, concentration=1.0), 1.0, 1.0),
    ("Pareto", dict(scale=1.0, alpha=5.0), 1.25, 5 / (16 * 3)),
    ("Chi2", dict(df=4.0), 4.0, 8.0),
    ("StudentT", dict(df=8.0, loc=1.0, scale=2.0), 1.0, 4 * 8 / 6),
    ("Kumaraswamy", dict(concentration1=1.0, concentration0=1.0), 0.5, 1 / 12),
    ("InverseGamma", dict(concentration=6.0, rate=5.0), 1.0, 0.25),
    ("FisherSnedecor", dict(df1=10.0, df2=20.0), 20 / 18, 2 * 400 * 28 / (10 * 18 ** 2 * 16)),
    ("GeneralizedPareto", dict(loc=1.0, scale=1.0, concentration=0.1), 1 + 1 / 0.9,
     1 / (0.81 * 0.8)),
    ("ContinuousBernoulli", dict(probs=0.5), 0.5, 1 / 12),
    ("ContinuousBernoulli", dict(probs=0.2), None, None),
    ("VonMises", dict(loc=1.0, concentration=4.0), 1.0, None),
])
def test_sample_statistics(name, kwargs, mean, var):
    s = _stat(name, kwargs)
    if mean is None:  # compare with torch's own moments
        d = getattr(td, name)(**{k: torch.tensor(v, dtype=torch.float64)
                                 for k, v in kwargs.items()})
        mean, var = float(d.mean), float(d.variance)
    sd = np.sqrt(var) if var is not None else 1.0
    assert abs(s.mean() - mean) < 6 * sd / np.sqrt(len(s))
    if var is not None and name != "VonMises":
        assert abs(s.var() - var) < 0.25 * var


def test_heavy_tailed_and_relaxed_sample_statistics():
    s = _stat("Cauchy", dict(loc=1.0, scale=2.0))
    assert abs(np.median(s) - 1.0) < 0.2
    assert abs(np.median(np.abs(s - 1.0)) - 2.0) < 0.25
    s = _stat("HalfCauchy", dict(scale=2.0))
    assert (s >= 0).all() and abs(np.median(s) - 2.0) < 0.25
    tg.manual_seed(0)
    s = gd.RelaxedBernoulli(tg.tensor(0.05, dtype=tg.float64),
                            probs=tg.tensor(0.3, dtype=tg.float64)).sample((4000,)).numpy()
    assert abs((s > 0.5).mean() - 0.3) < 0.04 and ((s > 0) & (s < 1)).all()
    tg.manual_seed(0)
    s = gd.LogisticNormal(tg.zeros(3, dtype=tg.float64),
                          tg.full((3,), 0.5, dtype=tg.float64)).sample((4000,)).numpy()
    assert s.shape == (4000, 4)
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-12)
    # x_i = sigmoid(y_i - log(K - i)) stick breaking of Normal(0, .5): every part > 0.
    assert (s > 0).all() and abs(np.log(s[:, 0] / s[:, 1:].sum(-1)).mean() + np.log(3)) < 0.05


@pytest.mark.parametrize("case", sorted(CASES))
def test_support_and_arg_constraints(case):
    d, _ = _build(tg, gd, case)
    td_, _ = _build(torch, td, case)
    assert list(d.arg_constraints) == list(td_.arg_constraints)
    for k in d.arg_constraints:
        assert repr(d.arg_constraints[k]) == repr(td_.arg_constraints[k])
    assert type(d.support).__name__ == type(td_.support).__name__
    assert d.support.event_dim == td_.support.event_dim
    probe = np.concatenate([REAL, POS, UNIT, -POS, [0.0, 1.0]])
    if d.event_shape:
        probe = np.concatenate([SIMPLEX4, SIMPLEX4 * 1.1, SIMPLEX4 - 0.15])
    else:
        probe = np.broadcast_to(probe[:, None], (len(probe),) + tuple(d.batch_shape)).copy()
    np.testing.assert_array_equal(d.support.check(tg.tensor(probe, dtype=tg.float64)).numpy(),
                                  td_.support.check(torch.tensor(probe)).numpy())
    assert repr(d) == repr(td_)


@pytest.mark.parametrize("case", sorted(CASES))
def test_expand(case):
    d, _ = _build(tg, gd, case)
    td_, _ = _build(torch, td, case)
    shape = (2,) + tuple(d.batch_shape)
    e, te = d.expand(shape), td_.expand(shape)
    assert type(e) is type(d)
    assert (tuple(e.batch_shape), tuple(e.event_shape)) == \
        (tuple(te.batch_shape), tuple(te.event_shape))
    assert e._validate_args == te._validate_args
    method = "log_prob" if CASES[case][2] is not None else "entropy"
    value = CASES[case][2]
    lp = _call(e, tg, method, None if value is None else tg.tensor(value, dtype=tg.float64))
    tlp = _call(te, torch, method,
                None if value is None else torch.tensor(value, dtype=torch.float64))
    np.testing.assert_allclose(lp.detach().numpy(), tlp.detach().numpy(), rtol=1e-10)
    # The expanded parameters are views of the given ones: gradients reach them.
    assert lp.requires_grad and tlp.requires_grad


def test_expand_keeps_validate_args_and_scalar_parameters():
    for M, lib in ((tg, gd), (torch, td)):
        d = lib.Cauchy(0.0, 1.0, validate_args=False).expand((3,))
        assert tuple(d.batch_shape) == (3,) and d._validate_args is False
        assert lib.VonMises(M.zeros(2), M.ones(2)).expand((4, 2)).batch_shape == (4, 2)
        ln = lib.LogisticNormal(0.0, 1.0)
        assert (tuple(ln.batch_shape), tuple(ln.event_shape)) == ((), (2,))
        e = ln.expand((3,))
        assert (tuple(e.batch_shape), tuple(e.event_shape)) == ((3,), (2,))
        assert tuple(lib.Cauchy(0.0, 1.0).sample().shape) == ()
        assert tuple(lib.VonMises(M.tensor(0.0), M.tensor(1.0)).sample().shape) == ()


KL_PAIRS = [
    ("Cauchy", dict(loc=REAL, scale=POS), dict(loc=-REAL, scale=POS2)),
    ("Gumbel", dict(loc=REAL, scale=POS), dict(loc=-REAL, scale=POS2)),
    ("HalfNormal", dict(scale=POS), dict(scale=POS2)),
    ("Pareto", dict(scale=POS, alpha=POS2), dict(scale=POS2, alpha=POS)),
    ("ContinuousBernoulli", dict(probs=np.array([0.2, 0.5, 0.8])), dict(logits=REAL)),
]


@pytest.mark.parametrize("name,pk,qk", KL_PAIRS, ids=[p[0] for p in KL_PAIRS])
def test_kl_values_and_grads_equal_torch(name, pk, qk):
    res = []
    for M, lib in ((tg, gd), (torch, td)):
        pp, qp = _params(M, pk), _params(M, qk)
        kl = lib.kl_divergence(getattr(lib, name)(**pp), getattr(lib, name)(**qp))
        leaves = list(pp.values()) + list(qp.values())
        total = M.where(M.isfinite(kl), kl, M.zeros_like(kl)).sum()
        res.append((kl.detach().numpy(), [g.numpy() for g in M.autograd.grad(total, leaves)]))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10, atol=1e-12)
    for g, tgr in zip(res[0][1], res[1][1]):
        np.testing.assert_allclose(g, tgr, rtol=1e-8, atol=1e-12)


def _exp_rate_family(lib, M):
    class ExpRate(lib.ExponentialFamily):
        """Exponential(rate) written only through its natural parameter -rate."""

        arg_constraints = {"rate": lib.constraints.positive}
        _mean_carrier_measure = 0

        def __init__(self, rate):
            self.rate = rate
            super().__init__(rate.shape)

        @property
        def _natural_params(self):
            return (-self.rate,)

        def _log_normalizer(self, x):
            return -(-x).log()

    return ExpRate


def test_exponential_family_bregman_entropy_and_kl():
    res = []
    for M, lib in ((tg, gd), (torch, td)):
        ExpRate = _exp_rate_family(lib, M)
        rate = M.tensor(POS, dtype=M.float64, requires_grad=True)
        rate2 = M.tensor(POS2, dtype=M.float64, requires_grad=True)
        p, q = ExpRate(rate), ExpRate(rate2)
        ent = p.entropy()
        kl = lib.kl_divergence(p, q)
        g = M.autograd.grad(kl.sum(), [rate2])
        cb = lib.ContinuousBernoulli(probs=M.tensor([0.2, 0.5, 0.8], dtype=M.float64))
        cb_ent = lib.ExponentialFamily.entropy(cb)
        res.append((ent.detach().numpy(), kl.detach().numpy(), g[0].numpy(),
                    cb_ent.detach().numpy(), ent.requires_grad))
        with pytest.raises(NotImplementedError) as err:
            lib.kl_divergence(p, lib.ContinuousBernoulli(probs=M.tensor([0.3] * 3)))
        res[-1] += (" ".join(str(err.value).split()),)
    np.testing.assert_allclose(res[0][0], 1 - np.log(POS), rtol=1e-12)
    for a, b in zip(res[0], res[1]):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-10)
        else:
            assert a == b
    assert isinstance(gd.ContinuousBernoulli(0.3), gd.ExponentialFamily)


@pytest.mark.parametrize("build", [
    lambda M, T: T.AbsTransform(),
    lambda M, T: T.PowerTransform(M.tensor([0.5, 2.0, -1.5], dtype=M.float64)),
    lambda M, T: T.PowerTransform(M.tensor(3.0, dtype=M.float64)).inv,
    lambda M, T: T.StickBreakingTransform(),
    lambda M, T: T.StickBreakingTransform().inv,
])
def test_transforms_equal_torch(build):
    out = []
    for M, lib in ((tg, gd), (torch, td)):
        t = build(M, lib.transforms)
        if "StickBreaking" in repr(t) and repr(t).startswith("_Inverse"):
            x = M.tensor(SIMPLEX4, dtype=M.float64, requires_grad=True)
        elif "StickBreaking" in repr(t):
            x = M.tensor(RNG.standard_normal((2, 3)) if not out else out[0][-1],
                         dtype=M.float64, requires_grad=True)
        else:
            x = M.tensor(POS, dtype=M.float64, requires_grad=True)
        y = t(x)
        xi = t.inv(y)
        ladj = M.zeros(()) if "Abs" in repr(t) else t.log_abs_det_jacobian(x, y)
        g = M.autograd.grad(y.sum() + ladj.sum() + xi.sum(), x)[0]
        out.append((y.detach().numpy(), xi.detach().numpy(), ladj.detach().numpy(), g.numpy(),
                    tuple(t.forward_shape(tuple(x.shape))),
                    tuple(t.inverse_shape(tuple(y.shape))), repr(t.domain), repr(t.codomain),
                    t.bijective, t == build(M, lib.transforms), x.detach().numpy()))
    for a, b in zip(out[0], out[1]):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        else:
            assert a == b
    for M, lib in ((tg, gd), (torch, td)):
        assert lib.AbsTransform() == lib.AbsTransform()
        assert lib.transforms.PowerTransform(2.0).with_cache(1)._cache_size == 1
        assert bool(lib.transforms.PowerTransform(M.tensor([-2.0, 2.0])).sign[0] == -1)


def _SubCauchy(loc):  # a class per library
    lib = gd if isinstance(loc, tg.Tensor) else td

    class SubCauchy(lib.Cauchy):
        def __init__(self, loc):
            super().__init__(loc, 1.0)

    return SubCauchy(loc)


def _err(fn_ours, fn_ref):
    with pytest.raises(Exception) as ref:
        fn_ref()
    with pytest.raises(ref.type) as ours:
        fn_ours()
    assert str(ours.value) == str(ref.value)


@pytest.mark.parametrize("build", [
    lambda M, D: D.Cauchy(M.tensor([0.0, 1.0]), M.tensor([-1.0, 2.0])),
    lambda M, D: D.HalfNormal(M.tensor([0.0, 1.0])),
    lambda M, D: D.HalfCauchy(M.tensor([-1.0])),
    lambda M, D: D.Gumbel(M.tensor([float("nan")]), M.tensor([1.0])),
    lambda M, D: D.Gumbel(M.tensor([0.0]), M.tensor([0.0])),
    lambda M, D: D.Weibull(M.tensor([1.0]), M.tensor([-1.0])),
    lambda M, D: D.Weibull(M.tensor([-1.0]), M.tensor([1.0])),
    lambda M, D: D.Pareto(M.tensor([1.0]), M.tensor([-1.0])),
    lambda M, D: D.Pareto(M.tensor([-1.0]), M.tensor([1.0])),
    lambda M, D: D.Chi2(M.tensor([-1.0, 2.0])),
    lambda M, D: D.StudentT(M.tensor([-1.0])),
    lambda M, D: D.StudentT(M.tensor([1.0]), M.tensor([0.0]), M.tensor([-2.0])),
    lambda M, D: D.Kumaraswamy(M.tensor([1.0]), M.tensor([0.0])),
    lambda M, D: D.InverseGamma(M.tensor([-1.0]), M.tensor([1.0])),
    lambda M, D: D.FisherSnedecor(M.tensor([1.0]), M.tensor([-1.0])),
    lambda M, D: D.GeneralizedPareto(M.tensor([0.0]), M.tensor([-1.0]), M.tensor([0.1])),
    lambda M, D: D.ContinuousBernoulli(),
    lambda M, D: D.ContinuousBernoulli(M.tensor([0.5]), M.tensor([0.5])),
    lambda M, D: D.ContinuousBernoulli(M.tensor([1.5]), validate_args=True),
    lambda M, D: D.RelaxedBernoulli(M.tensor(0.5), probs=M.tensor([1.5])),
    lambda M, D: D.RelaxedBernoulli(M.tensor(0.5)),
    lambda M, D: D.LogisticNormal(M.tensor([0.0, 1.0]), M.tensor([1.0, -1.0])),
    lambda M, D: D.VonMises(M.tensor([0.0]), M.tensor([-1.0])),
    lambda M, D: D.HalfNormal(M.ones(2)).log_prob(M.tensor([-1.0, 1.0])),
    lambda M, D: D.HalfCauchy(M.ones(2)).log_prob(M.tensor([1.0, -1.0])),
    lambda M, D: D.Weibull(M.ones(2), M.ones(2)).log_prob(M.tensor([0.0, 1.0])),
    lambda M, D: D.Pareto(M.ones(2), M.ones(2)).log_prob(M.tensor([0.5, 1.0])),
    lambda M, D: D.Kumaraswamy(M.ones(2), M.ones(2)).log_prob(M.tensor([0.5, 1.5])),
    lambda M, D: D.Chi2(M.ones(2)).log_prob(M.tensor([-1.0, 1.0])),
    lambda M, D: D.ContinuousBernoulli(M.tensor([0.3])).log_prob(M.tensor([2.0])),
    lambda M, D: D.LogisticNormal(M.zeros(2), M.ones(2)).log_prob(M.tensor([0.5, 0.6, 0.1])),
    lambda M, D: D.LogisticNormal(M.zeros(2), M.ones(2)).log_prob(M.tensor([0.5, 0.5])),
    lambda M, D: D.Cauchy(M.zeros(2), M.ones(2)).log_prob(M.zeros(3)),
    lambda M, D: D.GeneralizedPareto(M.zeros(2), M.ones(2), M.tensor([-0.5, 0.1]))
    .log_prob(M.tensor([3.0, 1.0])),
    lambda M, D: D.Cauchy(M.zeros(2), M.ones(2)).mean.sum().backward(),
    lambda M, D: D.PowerTransform(M.tensor(2.0), cache_size=2),
    lambda M, D: D.StickBreakingTransform().forward_shape(()),
    lambda M, D: D.AbsTransform().log_abs_det_jacobian(M.ones(2), M.ones(2)),
    lambda M, D: _SubCauchy(M.zeros(2)).expand((3, 2)),
])
def test_validation_errors_equal_torch(build):
    _err(lambda: build(tg, gd), lambda: build(torch, td))


CROSS = {
    "Beta": ("Beta", dict(concentration1=POS, concentration0=POS2)),
    "CB": ("ContinuousBernoulli", dict(probs=np.array([0.2, 0.5, 0.8]))),
    "Exponential": ("Exponential", dict(rate=POS)),
    "Gamma": ("Gamma", dict(concentration=POS, rate=POS2)),
    "Gumbel": ("Gumbel", dict(loc=REAL, scale=POS)),
    "Laplace": ("Laplace", dict(loc=REAL, scale=POS)),
    "Normal": ("Normal", dict(loc=REAL, scale=POS2)),
    "Pareto": ("Pareto", dict(scale=POS, alpha=MIXED)),
    "Uniform": ("Uniform", dict(low=np.array([0.1, -0.5, 0.3]), high=np.array([0.8, 0.9, 2.5]))),
    "UniformRight": ("Uniform", dict(low=POS + 1.0, high=POS + 2.0)),
}
CROSS_PAIRS = [
    ("Beta", "CB"), ("Beta", "Pareto"), ("CB", "Pareto"), ("CB", "Exponential"),
    ("CB", "Normal"), ("CB", "Uniform"), ("Exponential", "CB"), ("Exponential", "Pareto"),
    ("Exponential", "Gumbel"), ("Gamma", "CB"), ("Gamma", "Pareto"), ("Gamma", "Gumbel"),
    ("Gumbel", "Beta"), ("Gumbel", "CB"), ("Gumbel", "Exponential"), ("Gumbel", "Gamma"),
    ("Gumbel", "Pareto"), ("Gumbel", "Uniform"), ("Gumbel", "Normal"), ("Laplace", "CB"),
    ("Laplace", "Pareto"), ("Normal", "CB"), ("Normal", "Pareto"), ("Normal", "Gumbel"),
    ("Pareto", "Beta"), ("Pareto", "CB"), ("Pareto", "Uniform"), ("Pareto", "Exponential"),
    ("Pareto", "Gamma"), ("Pareto", "Normal"), ("Uniform", "CB"), ("Uniform", "Gumbel"),
    ("Uniform", "Pareto"), ("UniformRight", "Pareto"),
]


def test_kl_between_families_equal_torch():
    def build(M, lib, key):
        cls, spec = CROSS[key]
        params = _params(M, spec)
        return getattr(lib, cls)(**params), list(params.values())

    for pk, qk in CROSS_PAIRS:
        res = []
        for M, lib in ((tg, gd), (torch, td)):
            (p, pp), (q, qp) = build(M, lib, pk), build(M, lib, qk)
            kl = lib.kl_divergence(p, q)
            grads = None
            if kl.requires_grad:
                total = M.where(M.isfinite(kl), kl, M.zeros_like(kl)).sum()
                grads = [None if g is None else g.numpy()
                         for g in M.autograd.grad(total, pp + qp, allow_unused=True)]
            res.append((kl.detach().numpy(), grads))
        msg = f"{pk} || {qk}"
        np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10, err_msg=msg)
        assert (res[0][1] is None) == (res[1][1] is None), msg
        for g, tgr in zip(res[0][1] or [], res[1][1] or []):
            assert (g is None) == (tgr is None), msg
            if g is not None:
                # 1e-7: Beta's entropy gradient (trigamma) as in test_distributions.py.
                np.testing.assert_allclose(g, tgr, rtol=1e-7, atol=1e-12, err_msg=msg)


def test_logit_relaxed_bernoulli_equals_torch():
    from torch.distributions.relaxed_bernoulli import LogitRelaxedBernoulli as TLRB

    from tapegrad.distributions.continuous_relaxed import LogitRelaxedBernoulli
    res = []
    for M, cls in ((tg, LogitRelaxedBernoulli), (torch, TLRB)):
        temp = M.tensor(0.7, dtype=M.float64, requires_grad=True)
        logits = M.tensor(REAL, dtype=M.float64, requires_grad=True)
        d = cls(temp, logits=logits)
        lp = d.log_prob(M.tensor(REAL[::-1].copy(), dtype=M.float64))
        g = M.autograd.grad(lp.sum() + d.probs.sum(), [temp, logits])
        r = d.rsample((5,))
        e = d.expand((2, 3))
        res.append((lp.detach().numpy(), [x.numpy() for x in g], tuple(r.shape),
                    r.requires_grad, tuple(e.batch_shape), repr(d.support), d.has_rsample))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10)
    for a, b in zip(res[0][1], res[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-8)
    assert res[0][2:] == res[1][2:]
