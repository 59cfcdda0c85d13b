"""tg.distributions against torch.distributions on the same parameters: log_prob, entropy,
moments, cdf and KL values and their gradients; shapes and dtypes of samples, rsample
gradients, loose sample statistics; torch's validation errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td

import tapegrad as tg
import tapegrad.distributions as gd

RNG = np.random.default_rng(0)
POS = RNG.uniform(0.5, 2.0, (3,))
POS2 = RNG.uniform(0.5, 2.0, (3,))
REAL = RNG.standard_normal((3,))
UNIT = RNG.uniform(0.1, 0.9, (3,))
SIMPLEX = RNG.uniform(0.1, 1.0, (2, 4))
A = RNG.standard_normal((3, 3))
COV = A @ A.T + 3 * np.eye(3)
TRIL = np.linalg.cholesky(COV)


def _params(M, spec):
    return {k: M.tensor(v, dtype=M.float64, requires_grad=True) if isinstance(v, np.ndarray)
            else v for k, v in spec.items()}


# name -> (constructor kwargs, a value in the support, methods)
CASES = {
    "Normal": (dict(loc=REAL, scale=POS), REAL + 0.3, ["mean", "stddev", "variance", "cdf"]),
    "LogNormal": (dict(loc=REAL, scale=POS), POS2, ["mean", "mode", "variance", "cdf"]),
    "Uniform": (dict(low=REAL - 2, high=REAL + 2), REAL, ["mean", "stddev", "variance", "cdf",
                                                          "icdf"]),
    "Exponential": (dict(rate=POS), POS2, ["mean", "stddev", "variance", "cdf", "icdf"]),
    "Laplace": (dict(loc=REAL, scale=POS), REAL + 0.4, ["mean", "stddev", "variance", "cdf",
                                                        "icdf"]),
    "Gamma": (dict(concentration=POS, rate=POS2), POS2, ["mean", "variance", "mode"]),
    "Beta": (dict(concentration1=POS, concentration0=POS2), UNIT, ["mean", "variance"]),
    "Dirichlet": (dict(concentration=SIMPLEX + 0.5), SIMPLEX / SIMPLEX.sum(-1, keepdims=True),
                  ["mean", "variance"]),
    "Bernoulli": (dict(probs=UNIT), np.array([0.0, 1.0, 1.0]), ["mean", "variance"]),
    "BernoulliLogits": (dict(logits=REAL), np.array([1.0, 0.0, 1.0]), ["mean", "variance"]),
    "Categorical": (dict(probs=SIMPLEX), np.array([3, 1]), []),
    "CategoricalLogits": (dict(logits=SIMPLEX), np.array([0, 2]), []),
    "OneHotCategorical": (dict(probs=SIMPLEX), np.eye(4)[[2, 0]], ["mean", "variance"]),
    "Poisson": (dict(rate=POS), np.array([0.0, 2.0, 5.0]), ["mean", "variance"]),
    "MultivariateNormal": (dict(loc=REAL, covariance_matrix=COV), REAL + 0.2,
                           ["mean", "variance"]),
    "MultivariateNormalTril": (dict(loc=REAL, scale_tril=TRIL), REAL - 0.2, ["variance"]),
    "MultivariateNormalPrecision": (dict(loc=REAL, precision_matrix=COV), REAL - 0.2,
                                    ["variance"]),
}
CLASS = {"BernoulliLogits": "Bernoulli", "CategoricalLogits": "Categorical",
         "MultivariateNormalTril": "MultivariateNormal",
         "MultivariateNormalPrecision": "MultivariateNormal"}


def _collect(M, lib, name):
    spec, value, methods = CASES[name]
    params = _params(M, spec)
    d = getattr(lib, CLASS.get(name, name))(**params)
    v = M.tensor(value, dtype=M.int64 if "Categorical" == CLASS.get(name, name) else M.float64)
    if name in ("Uniform", "Laplace", "Exponential") and "icdf" in methods:
        u = M.tensor(UNIT, dtype=M.float64)
    outs = {"log_prob": d.log_prob(v)}
    if name != "Poisson":
        outs["entropy"] = d.entropy()
    for m in methods:
        if m == "cdf":
            outs[m] = d.cdf(v)
        elif m == "icdf":
            outs[m] = d.icdf(u)
        else:
            outs[m] = getattr(d, m)
    shapes = (tuple(d.batch_shape), tuple(d.event_shape))
    return d, params, outs, shapes


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_grads_equal_torch(name):
    d, params, outs, shapes = _collect(tg, gd, name)
    td_, tparams, touts, tshapes = _collect(torch, td, name)
    assert shapes == tshapes
    assert outs.keys() == touts.keys()
    for k in outs:
        np.testing.assert_allclose(outs[k].detach().numpy(), touts[k].detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=k)
        assert outs[k].dtype == tg.float64 or k == "mode"
    diff = [k for k in params if isinstance(params[k], tg.Tensor)]
    total = sum(o.sum() for o in outs.values() if o.requires_grad)
    ttotal = sum(o.sum() for o in touts.values() if o.requires_grad)
    grads = tg.autograd.grad(total, [params[k] for k in diff])
    tgrads = torch.autograd.grad(ttotal, [tparams[k] for k in diff])
    for k, g, tgr in zip(diff, grads, tgrads):
        np.testing.assert_allclose(g.numpy(), tgr.numpy(), rtol=1e-7, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("name", sorted(CASES))
def test_samples_shapes_dtypes(name):
    d, _, _, _ = _collect(tg, gd, name)
    td_, _, _, _ = _collect(torch, td, name)
    # One sample shape for the families whose samplers compile slowly (gamma-based, Poisson).
    slow = name in ("Gamma", "Beta", "Dirichlet", "Poisson")
    for shape in [(5,)] if slow else [(), (5,)]:
        s, ts = d.sample(shape), td_.sample(shape)
        assert tuple(s.shape) == tuple(ts.shape)
        assert str(s.dtype).split(".")[1] == str(ts.dtype).split(".")[1]
        assert not s.requires_grad
    assert d.has_rsample == td_.has_rsample
    if d.has_rsample:
        r = d.rsample((5,))
        assert r.requires_grad and tuple(r.shape) == tuple(td_.rsample((5,)).shape)


@pytest.mark.parametrize("name,kwargs,mean,var", [
    ("Normal", dict(loc=1.5, scale=0.5), 1.5, 0.25),
    ("Gamma", dict(concentration=3.0, rate=2.0), 1.5, 0.75),
    ("Exponential", dict(rate=2.0), 0.5, 0.25),
    ("Laplace", dict(loc=-1.0, scale=0.5), -1.0, 0.5),
    ("Uniform", dict(low=-1.0, high=3.0), 1.0, 4 / 3),
    ("Poisson", dict(rate=3.0), 3.0, 3.0),
    ("Bernoulli", dict(probs=0.3), 0.3, 0.21),
])
def test_sample_statistics(name, kwargs, mean, var):
    tg.manual_seed(0)
    s = getattr(gd, name)(**{k: tg.tensor(v, dtype=tg.float64) for k, v in kwargs.items()}) \
        .sample((4000,)).numpy()
    assert abs(s.mean() - mean) < 5 * np.sqrt(var / 4000)
    assert abs(s.var() - var) < 0.15 * var


def test_categorical_sample_frequencies_and_rsample_gradients():
    tg.manual_seed(0)
    s = gd.Categorical(probs=tg.tensor([0.2, 0.5, 0.3])).sample((4000,)).numpy()
    np.testing.assert_allclose(np.bincount(s, minlength=3) / 4000, [0.2, 0.5, 0.3], atol=0.04)
    loc = tg.tensor([0.0, 1.0], requires_grad=True)
    scale = tg.tensor([1.0, 2.0], requires_grad=True)
    gd.Normal(loc, scale).rsample((7,)).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [7.0, 7.0])
    # Shapes as in test_samples_shapes_dtypes (compiled once per shape).
    conc = tg.tensor(POS, dtype=tg.float64, requires_grad=True)
    gd.Gamma(conc, tg.tensor(POS2, dtype=tg.float64)).rsample((5,)).mean().backward()
    assert np.isfinite(conc.grad.numpy()).all() and (conc.grad.numpy() > 0).all()
    c = tg.tensor(SIMPLEX + 0.5, dtype=tg.float64, requires_grad=True)
    gd.Dirichlet(c).rsample((5,))[..., 0].sum().backward()
    assert np.isfinite(c.grad.numpy()).all()


KL_PAIRS = [
    ("Normal", dict(loc=REAL, scale=POS), dict(loc=REAL[::-1].copy(), scale=POS2)),
    ("Bernoulli", dict(probs=UNIT), dict(probs=UNIT[::-1].copy())),
    ("Categorical", dict(probs=SIMPLEX), dict(logits=SIMPLEX[::-1].copy())),
    ("OneHotCategorical", dict(probs=SIMPLEX), dict(probs=SIMPLEX[::-1].copy())),
    ("Uniform", dict(low=REAL - 1, high=REAL + 1), dict(low=REAL - 2, high=REAL + 1.5)),
    ("Exponential", dict(rate=POS), dict(rate=POS2)),
    ("Laplace", dict(loc=REAL, scale=POS), dict(loc=-REAL, scale=POS2)),
    ("Gamma", dict(concentration=POS, rate=POS2), dict(concentration=POS2, rate=POS)),
    ("Beta", dict(concentration1=POS, concentration0=POS2),
     dict(concentration1=POS2, concentration0=POS)),
    ("Dirichlet", dict(concentration=SIMPLEX + 0.5), dict(concentration=SIMPLEX[::-1] + 1)),
    ("Poisson", dict(rate=POS), dict(rate=POS2)),
    ("MultivariateNormal", dict(loc=REAL, covariance_matrix=COV),
     dict(loc=-REAL, scale_tril=TRIL * 1.5)),
]


@pytest.mark.parametrize("name,pk,qk", KL_PAIRS, ids=[p[0] for p in KL_PAIRS])
def test_kl_values_and_grads_equal_torch(name, pk, qk):
    res = []
    for M, lib in ((tg, gd), (torch, td)):
        pp, qp = _params(M, pk), _params(M, qk)
        kl = lib.kl_divergence(getattr(lib, name)(**pp), getattr(lib, name)(**qp))
        leaves = list(pp.values()) + list(qp.values())
        res.append((kl.detach().numpy(), [g.numpy() for g in M.autograd.grad(kl.sum(), leaves)]))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-10, atol=1e-12)
    for g, tgr in zip(res[0][1], res[1][1]):
        np.testing.assert_allclose(g, tgr, rtol=1e-7, atol=1e-12)


def test_kl_independent_transformed_and_register():
    out = []
    for M, lib in ((tg, gd), (torch, td)):
        loc = M.tensor(REAL, dtype=M.float64, requires_grad=True)
        p = lib.Independent(lib.Normal(loc, M.tensor(POS, dtype=M.float64)), 1)
        q = lib.Independent(lib.Normal(M.zeros(3, dtype=M.float64),
                                       M.ones(3, dtype=M.float64)), 1)
        kl = lib.kl_divergence(p, q)
        lp = lib.TransformedDistribution(lib.Normal(loc, 1.0), [lib.transforms.ExpTransform()])
        lq = lib.TransformedDistribution(lib.Normal(0.5 * loc, 2.0),
                                         [lib.transforms.ExpTransform()])
        kl2 = lib.kl_divergence(lp, lq)
        g, = M.autograd.grad(kl + kl2.sum(), loc)
        out.append((kl.detach().numpy(), kl2.detach().numpy(), g.numpy(), tuple(p.batch_shape),
                    tuple(p.event_shape)))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10)

    class MyNormal(gd.Normal):
        pass

    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p "
                                                  "type Normal and q type Gamma"):
        gd.kl_divergence(gd.Normal(0.0, 1.0), gd.Gamma(1.0, 1.0))

    @gd.register_kl(MyNormal, gd.Normal)
    def _my_kl(p, q):
        return tg.tensor(42.0)

    assert gd.kl_divergence(MyNormal(0.0, 1.0), gd.Normal(0.0, 1.0)).item() == 42.0
    assert gd.kl_divergence(gd.Normal(0.0, 1.0), gd.Normal(0.0, 1.0)).item() == 0.0


@pytest.mark.parametrize("transforms", [
    lambda lib: [lib.transforms.ExpTransform()],
    lambda lib: [lib.transforms.AffineTransform(1.0, 2.0), lib.transforms.SigmoidTransform()],
    lambda lib: [lib.transforms.AffineTransform(lib_tensor(lib, [0.5, 1.0, -1.0]), 3.0),
                 lib.transforms.TanhTransform()],
])
def test_transformed_distribution_equals_torch(transforms):
    out = []
    for M, lib in ((tg, gd), (torch, td)):
        loc = M.tensor(REAL, dtype=M.float64, requires_grad=True)
        scale = M.tensor(POS * 0.3, dtype=M.float64, requires_grad=True)
        d = lib.TransformedDistribution(lib.Normal(loc, scale), transforms(lib))
        with M.no_grad():
            x = d.base_dist.loc.detach() + 0.1
            for t in d.transforms:
                x = t(x)
        lp = d.log_prob(x)
        g = M.autograd.grad(lp.sum(), [loc, scale])
        out.append((lp.detach().numpy(), [gi.numpy() for gi in g], tuple(d.batch_shape),
                    tuple(d.event_shape), tuple(d.sample((2,)).shape), repr(d.support)))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-9)
    for a, b in zip(out[0][1], out[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-8)
    assert out[0][2:] == out[1][2:]


def lib_tensor(lib, v):
    return (tg if lib is gd else torch).tensor(v, dtype=(tg if lib is gd else torch).float64)


def _err(fn_ours, fn_ref):
    with pytest.raises(Exception) as ref:
        fn_ref()
    with pytest.raises(ref.type) as ours:
        fn_ours()
    assert str(ours.value) == str(ref.value)


@pytest.mark.parametrize("build", [
    lambda M, D: D.Normal(M.tensor([0.0, 1.0]), M.tensor([-1.0, 2.0])),
    lambda M, D: D.Normal(M.tensor([float("nan"), 1.0]), M.tensor([1.0, 2.0])),
    lambda M, D: D.Bernoulli(probs=M.tensor([0.2, 1.5])),
    lambda M, D: D.Bernoulli(probs=M.tensor([0.2]), logits=M.tensor([0.2])),
    lambda M, D: D.Bernoulli(),
    lambda M, D: D.Categorical(probs=M.tensor(0.3)),
    lambda M, D: D.Categorical(logits=M.tensor(0.3)),
    lambda M, D: D.Categorical(probs=M.tensor([0.3, -0.1, 0.8])),
    lambda M, D: D.Uniform(M.tensor([0.0, 2.0]), M.tensor([1.0, 1.0])),
    lambda M, D: D.Exponential(M.tensor([0.0])),
    lambda M, D: D.Gamma(M.tensor([1.0]), M.tensor([-1.0])),
    lambda M, D: D.Beta(M.tensor([1.0]), M.tensor([-1.0])),
    lambda M, D: D.Dirichlet(M.tensor([1.0, -1.0])),
    lambda M, D: D.Dirichlet(M.tensor(1.0)),
    lambda M, D: D.Poisson(M.tensor([-1.0])),
    lambda M, D: D.MultivariateNormal(M.tensor(0.0), M.eye(2)),
    lambda M, D: D.MultivariateNormal(M.zeros(2)),
    lambda M, D: D.MultivariateNormal(M.zeros(2), M.eye(2), scale_tril=M.eye(2)),
    lambda M, D: D.MultivariateNormal(M.zeros(2), scale_tril=M.ones(2)),
    lambda M, D: D.MultivariateNormal(M.zeros(2), covariance_matrix=M.ones(2)),
    lambda M, D: D.MultivariateNormal(M.zeros(2), scale_tril=M.tensor([[1.0, 0.0], [1.0, -1.0]])),
    lambda M, D: D.Independent(D.Normal(M.zeros(2), M.ones(2)), 2),
    lambda M, D: D.Normal(M.zeros(2), M.ones(2)).log_prob([0.0, 1.0]),
    lambda M, D: D.Normal(M.zeros(2), M.ones(2)).log_prob(M.zeros(3)),
    lambda M, D: D.Exponential(M.ones(2)).log_prob(M.tensor([-1.0, 1.0])),
    lambda M, D: D.Bernoulli(M.tensor([0.5, 0.5])).log_prob(M.tensor([0.5, 1.0])),
    lambda M, D: D.Categorical(M.tensor([0.5, 0.5])).log_prob(M.tensor(2)),
    lambda M, D: D.Dirichlet(M.ones(3)).log_prob(M.ones(2)),
    lambda M, D: D.Dirichlet(M.ones(3)).log_prob(M.ones(3)),
])
def test_validation_errors_equal_torch(build):
    _err(lambda: build(tg, gd), lambda: build(torch, td))


def test_validate_args_false_and_reprs():
    d = gd.Normal(tg.tensor([0.0, 1.0]), tg.tensor([-1.0, 2.0]), validate_args=False)
    assert d.log_prob(tg.zeros(2)).shape == (2,)
    for M, D in ((tg, gd), (torch, td)):
        pass
    assert repr(gd.Normal(0.0, 1.0)) == repr(td.Normal(0.0, 1.0))
    assert repr(gd.Categorical(tg.ones(3))) == repr(td.Categorical(torch.ones(3)))
    assert repr(gd.constraints.simplex) == repr(td.constraints.simplex)
    assert repr(gd.Uniform(0.0, 1.0).support) == repr(td.Uniform(0.0, 1.0).support)
    b, tb = gd.Bernoulli(tg.tensor([0.2, 0.7])), td.Bernoulli(torch.tensor([0.2, 0.7]))
    np.testing.assert_array_equal(b.enumerate_support().numpy(), tb.enumerate_support().numpy())
    c, tc = gd.Categorical(tg.ones(2, 3)), td.Categorical(torch.ones(2, 3))
    np.testing.assert_array_equal(c.enumerate_support().numpy(), tc.enumerate_support().numpy())
