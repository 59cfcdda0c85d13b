"""OpInfo-lite: for each op, how to call it under torch or tapegrad, and sample inputs.

A sample is a tuple of input specs. `F(shape)` is a float tensor that requires grad (values
drawn from a seeded RNG in [low, high)); `C(shape)` a float constant; `I(values)` an int64
tensor; `B(values)` a bool tensor; anything else is passed as is. Shapes come from a small pool
so JAX compiles little.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class F:
    shape: tuple
    low: float = -2.0
    high: float = 2.0
    requires_grad: bool = True


def C(shape, low=-2.0, high=2.0):  # noqa: N802
    return F(shape, low, high, requires_grad=False)


@dataclass(frozen=True)
class I:  # noqa: E742
    values: Any


@dataclass(frozen=True)
class B:
    values: Any


@dataclass
class OpInfo:
    name: str
    fn: Callable  # fn(T, *inputs)
    samples: list
    gradcheck: bool = True
    gradgradcheck: bool = True
    # Why a check is off, when it is (the README's op table shows it).
    note: str = ""
    tags: tuple = field(default_factory=tuple)


S = (3, 4)
V = (4,)
Z = ()
P = dict(low=0.2, high=2.0)     # positive inputs (log, sqrt, pow)
U = dict(low=-0.9, high=0.9)    # inside (-1, 1) (asin, atanh)

unary = [(F(S),), (F(V),), (F(Z),)]
unary_pos = [(F(S, **P),), (F(V, **P),), (F(Z, **P),)]
binary = [(F(S), F(S)), (F((3, 1)), F((1, 4))), (F(V), F(Z))]
binary_pos = [(F(S, **P), F(S, **P)), (F((3, 1), **P), F((1, 4), **P))]
reduce_samples = [(F(S),), (F(S), 1), (F(S), 0, True), (F(S), (0, 1)), (F(S), -1)]


def u(name, fn=None, samples=unary, **kw):
    return OpInfo(name, fn or (lambda T, x, _n=name: getattr(x, _n)()), samples, **kw)


def b(name, fn=None, samples=binary, **kw):
    return OpInfo(name, fn or (lambda T, x, y, _n=name: getattr(T, _n)(x, y)), samples, **kw)


OPS: list[OpInfo] = [
    # ----------------------------------------------------------- arithmetic
    b("add"), b("sub"), b("mul"), b("div", samples=binary_pos),
    OpInfo("add_alpha", lambda T, x, y: T.add(x, y, alpha=2.5), binary[:1]),
    OpInfo("sub_alpha", lambda T, x, y: T.sub(x, y, alpha=0.5), binary[:1]),
    OpInfo("add_scalar", lambda T, x: x + 1.5, unary),
    OpInfo("radd_scalar", lambda T, x: 2 + x, unary[:1]),
    OpInfo("sub_scalar", lambda T, x: x - 1, unary[:1]),
    OpInfo("rsub_scalar", lambda T, x: 1 - x, unary),
    OpInfo("mul_scalar", lambda T, x: x * 3, unary),
    OpInfo("div_scalar", lambda T, x: x / 2, unary[:1]),
    OpInfo("rdiv_scalar", lambda T, x: 2 / x, unary_pos[:1]),
    OpInfo("div_floor", lambda T, x, y: T.div(x, y, rounding_mode="floor"), binary_pos[:1],
           gradcheck=False, note="piecewise constant"),
    OpInfo("div_trunc", lambda T, x: T.div(x, 0.7, rounding_mode="trunc"), unary[:1],
           gradcheck=False, note="piecewise constant"),
    u("neg"), OpInfo("neg_op", lambda T, x: -x, unary[:1]),
    u("reciprocal", samples=unary_pos),
    OpInfo("pow_scalar", lambda T, x: x ** 2, unary),
    OpInfo("pow_scalar_frac", lambda T, x: x.pow(1.5), unary_pos),
    OpInfo("pow_scalar_neg", lambda T, x: x.pow(-2), unary_pos[:1]),
    OpInfo("pow_zero", lambda T, x: x.pow(0), unary[:1]),
    OpInfo("pow_tensor", lambda T, x, y: x ** y, binary_pos),
    OpInfo("rpow_scalar", lambda T, x: 2 ** x, unary),
    OpInfo("square", lambda T, x: x.square(), unary[:1]),
    OpInfo("fmod_scalar", lambda T, x: x.fmod(1.5), unary[:1]),
    OpInfo("fmod_tensor", lambda T, x, y: x.fmod(y), binary_pos[:1], gradcheck=False,
           note="y's grad is -grad*trunc(x/y): finite differences cross jumps"),
    OpInfo("remainder_scalar", lambda T, x: x.remainder(1.5), unary[:1]),
    OpInfo("remainder_tensor", lambda T, x, y: x.remainder(y), binary_pos[:1], gradcheck=False,
           note="piecewise: finite differences cross jumps"),
    b("atan2"), b("maximum"), b("minimum"),
    OpInfo("lerp_scalar", lambda T, x, y: x.lerp(y, 0.3), binary[:2]),
    OpInfo("lerp_tensor", lambda T, x, y, w: x.lerp(y, w), [(F(S), F(S), F(S, 0, 1))]),
    OpInfo("addcmul", lambda T, x, y, z: x.addcmul(y, z, value=2), [(F(S), F(S), F(S))]),
    OpInfo("addcdiv", lambda T, x, y, z: x.addcdiv(y, z, value=0.5),
           [(F(S), F(S), F(S, **P))]),
    # ----------------------------------------------------------- unary math
    u("exp"), u("exp2"), u("expm1"), u("log", samples=unary_pos),
    u("log2", samples=unary_pos), u("log10", samples=unary_pos),
    u("log1p", samples=unary_pos), u("sqrt", samples=unary_pos),
    u("rsqrt", samples=unary_pos), u("sin"), u("cos"), u("tan", samples=[(F(S, **U),)]),
    u("asin", samples=[(F(S, **U),)]), u("acos", samples=[(F(S, **U),)]), u("atan"),
    u("sinh"), u("cosh"), u("tanh"), u("asinh"), u("acosh", samples=[(F(S, 1.2, 3.0),)]),
    u("atanh", samples=[(F(S, **U),)]), u("sigmoid"), u("erf"), u("erfc"), u("relu"),
    u("abs"), u("sign", gradcheck=False, note="zero gradient; jumps at 0"),
    u("floor", gradcheck=False, note="piecewise constant"),
    u("ceil", gradcheck=False, note="piecewise constant"),
    u("round", gradcheck=False, note="piecewise constant"),
    u("trunc", gradcheck=False, note="piecewise constant"), u("frac"),
    OpInfo("logsigmoid", lambda T, x: T.nn.functional.logsigmoid(x), unary[:1]),
    OpInfo("gelu", lambda T, x: T.nn.functional.gelu(x), unary[:1]),
    OpInfo("gelu_tanh", lambda T, x: T.nn.functional.gelu(x, approximate="tanh"), unary[:1]),
    OpInfo("silu", lambda T, x: T.nn.functional.silu(x), unary[:1]),
    OpInfo("softplus", lambda T, x: T.nn.functional.softplus(x), unary[:1]),
    OpInfo("softplus_beta", lambda T, x: T.nn.functional.softplus(x, beta=2.0, threshold=1.0),
           unary[:1], gradcheck=False, note="kink at the threshold"),
    OpInfo("elu", lambda T, x: T.nn.functional.elu(x, alpha=0.7), unary[:1]),
    OpInfo("leaky_relu", lambda T, x: T.nn.functional.leaky_relu(x, 0.2), unary[:1]),
    OpInfo("elu_inplace", lambda T, x: T.nn.functional.elu(x * 1, alpha=0.7, inplace=True),
           unary[:1]),
    OpInfo("leaky_relu_inplace", lambda T, x: T.nn.functional.leaky_relu(x * 1, 0.2, True),
           unary[:1]),
    OpInfo("relu_silu_inplace", lambda T, x: (T.nn.functional.relu(x * 1, inplace=True),
                                              T.nn.functional.silu(x * 1, inplace=True)),
           unary[:1]),
    OpInfo("clamp_scalar", lambda T, x: x.clamp(-0.5, 0.5), unary[:1]),
    OpInfo("clamp_min", lambda T, x: x.clamp(min=0.1), unary[:1]),
    OpInfo("clamp_max", lambda T, x: T.clamp(x, max=0.2), unary[:1]),
    OpInfo("clamp_tensor", lambda T, x, lo, hi: x.clamp(lo, hi),
           [(F(S), F(S, -1.0, -0.2), F(S, 0.2, 1.0))]),
    OpInfo("where", lambda T, x, y: T.where(x > 0, x, y), binary[:2]),
    OpInfo("where_scalar", lambda T, x: T.where(x > 0, x, 0.0), unary[:1]),
    OpInfo("masked_fill", lambda T, x: x.masked_fill(x > 0, 2.0), unary[:1]),
    OpInfo("nan_to_num", lambda T, x: x.nan_to_num(), unary[:1]),
    # ----------------------------------------------------------- comparisons and logic
    *[OpInfo(n, lambda T, x, y, _n=n: getattr(T, _n)(x, y), binary[:2], gradcheck=False,
             note="bool result") for n in ("eq", "ne", "lt", "le", "gt", "ge")],
    *[OpInfo(n, lambda T, x, y, _n=n: getattr(T, _n)(x > 0, y > 0), binary[:1], gradcheck=False,
             note="bool result") for n in ("logical_and", "logical_or", "logical_xor")],
    OpInfo("logical_not", lambda T, x: T.logical_not(x > 0), unary[:1], gradcheck=False,
           note="bool result"),
    OpInfo("isnan_isinf_isfinite", lambda T, x: (T.isnan(x / x.abs().round()),
                                                 T.isinf(1 / x.round()), T.isfinite(x)),
           unary[:1], gradcheck=False, note="bool result"),
    OpInfo("all_any", lambda T, x: ((x > -3).all(), (x > 1).any(), (x > 0).all(1)), unary[:1],
           gradcheck=False, note="bool result"),
    OpInfo("cmp_scalar", lambda T, x: (x > 0.5, x == 1, x <= 0), unary[:1], gradcheck=False,
           note="bool result"),
    # ----------------------------------------------------------- reductions
    OpInfo("sum", lambda T, x, *a: x.sum(*a), reduce_samples),
    OpInfo("mean", lambda T, x, *a: x.mean(*a), reduce_samples),
    OpInfo("prod", lambda T, x: x.prod(), [(F(S, 0.5, 1.5),)]),
    OpInfo("prod_dim", lambda T, x: x.prod(1), [(F(S, 0.5, 1.5),)]),
    OpInfo("prod_zeros", lambda T, x: (x * (x > -1.0)).prod(1), [(F(S, -3.0, 1.5),)],
           gradcheck=False, note="zeros made by a mask; checked against torch's values"),
    OpInfo("max_all", lambda T, x: x.max(), unary[:2]),
    OpInfo("min_all", lambda T, x: x.min(), unary[:2]),
    OpInfo("max_dim", lambda T, x: tuple(x.max(1)), unary[:1]),
    OpInfo("min_dim_keepdim", lambda T, x: tuple(x.min(0, keepdim=True)), unary[:1]),
    OpInfo("max_ties", lambda T, x: (x * 0 + 1).max() + x.round().max(), unary[:1],
           gradcheck=False, note="ties: torch's even split, checked against torch"),
    OpInfo("amax", lambda T, x: x.amax(1), unary[:1]),
    OpInfo("amin_ties", lambda T, x: (x.round()).amin() * x.sum(), unary[:1], gradcheck=False,
           note="ties: even split"),
    OpInfo("argmax_argmin", lambda T, x: (x.argmax(), x.argmin(1), x.argmax(0, keepdim=True)),
           unary[:1], gradcheck=False, note="int result"),
    OpInfo("var", lambda T, x: (x.var(), x.var(1), x.var(0, unbiased=False)), unary[:1]),
    OpInfo("std", lambda T, x: (x.std(), x.std(1, correction=0), x.std(0, keepdim=True)),
           unary[:1]),
    OpInfo("norm", lambda T, x: (x.norm(), x.norm(dim=1), x.norm(p=1), x.norm(p=3)),
           unary[:1]),
    OpInfo("norm_inf", lambda T, x: x.norm(p=float("inf")), unary[:1]),
    OpInfo("vector_norm", lambda T, x: T.linalg.vector_norm(x, 2, dim=0), unary[:1]),
    OpInfo("norm_at_zero", lambda T, x: (x * 0).norm() + x.sum(), unary[:1], gradcheck=False,
           note="gradient at 0 is torch's 0 (masked), not a finite difference"),
    OpInfo("logsumexp", lambda T, x: x.logsumexp(1), unary[:1]),
    OpInfo("cumsum", lambda T, x: x.cumsum(1), unary[:1]),
    OpInfo("cumprod", lambda T, x: x.cumprod(1), unary[:1]),
    OpInfo("softmax", lambda T, x: x.softmax(1), unary[:1]),
    OpInfo("log_softmax", lambda T, x: x.log_softmax(-1), unary[:1]),
    # ----------------------------------------------------------- linear algebra
    OpInfo("mm", lambda T, x, y: x.mm(y), [(F((3, 4)), F((4, 2)))]),
    OpInfo("bmm", lambda T, x, y: x.bmm(y), [(F((2, 3, 4)), F((2, 4, 2)))]),
    OpInfo("mv", lambda T, x, y: x.mv(y), [(F((3, 4)), F((4,)))]),
    OpInfo("dot", lambda T, x, y: x.dot(y), [(F((4,)), F((4,)))]),
    OpInfo("outer", lambda T, x, y: x.outer(y), [(F((3,)), F((4,)))]),
    OpInfo("matmul", lambda T, x, y: x @ y, [
        (F((3, 4)), F((4, 2))), (F((4,)), F((4,))), (F((3, 4)), F((4,))),
        (F((4,)), F((4, 2))), (F((2, 3, 4)), F((4, 2))),
    ]),
    OpInfo("matmul_batched", lambda T, x, y: x @ y, [(F((2, 3, 4)), F((2, 4, 2)))],
           note="torch: UnsafeViewBackward0 over its bmm; checked"),
    OpInfo("einsum", lambda T, x, y: T.einsum("ij,kj->ik", x, y), [(F((3, 4)), F((2, 4)))],
           tags=("generic_node",), note="generic EinsumBackward node (torch: its matmul path)"),
    OpInfo("linalg_inv", lambda T, x: T.linalg.inv(x + 3 * T.eye(3, dtype=x.dtype)),
           [(F((3, 3)),)]),
    OpInfo("linalg_det", lambda T, x: T.linalg.det(x), [(F((3, 3)),)], gradgradcheck=False,
           note="generic-path double backward; first order checked"),
    OpInfo("linalg_solve", lambda T, a, b_: T.linalg.solve(a + 3 * T.eye(3, dtype=a.dtype), b_),
           [(F((3, 3)), F((3, 2)))]),
    OpInfo("linalg_cholesky",
           lambda T, a: T.linalg.cholesky(a @ a.mT + T.eye(3, dtype=a.dtype)), [(F((3, 3)),)],
           gradgradcheck=False, note="generic-path double backward; first order checked"),
    OpInfo("linalg_qr", lambda T, a: tuple(T.linalg.qr(a)), [(F((4, 3)),)],
           gradgradcheck=False, note="generic-path double backward; first order checked"),
    OpInfo("linalg_svd_vals", lambda T, a: T.linalg.svd(a, full_matrices=False)[1],
           [(F((4, 3)),)], gradgradcheck=False,
           note="singular values; U/V have sign freedom (torch defines no unique grad)"),
    OpInfo("trace", lambda T, x: x.trace(), [(F((3, 3)),)]),
    OpInfo("diagonal", lambda T, x: x.diagonal(), [(F((3, 4)),)]),
    OpInfo("diag_1d", lambda T, x: x.diag(), [(F((3,)),)]),
    OpInfo("triu_tril", lambda T, x: (x.triu(), x.tril(-1)), [(F((3, 4)),)]),
    # ----------------------------------------------------------- shape
    OpInfo("view", lambda T, x: x.view(4, 3), unary[:1]),
    OpInfo("view_infer", lambda T, x: x.view(-1), unary[:1]),
    OpInfo("reshape", lambda T, x: x.reshape(2, 6), unary[:1]),
    OpInfo("flatten", lambda T, x: x.flatten(), unary[:1]),
    OpInfo("unflatten", lambda T, x: x.unflatten(1, (2, 2)), unary[:1]),
    OpInfo("squeeze_unsqueeze", lambda T, x: (x.unsqueeze(0).squeeze(), x.unsqueeze(1),
                                              x.unsqueeze(-1).squeeze(-1)), unary[:1]),
    OpInfo("squeeze_dims", lambda T, x: x.reshape(1, 3, 1, 4).squeeze((0, 2)), unary[:1]),
    OpInfo("transpose", lambda T, x: x.transpose(0, 1), unary[:1]),
    OpInfo("t", lambda T, x: x.t(), unary[:1]),
    OpInfo("T_mT", lambda T, x: (x.T, x.mT), unary[:1]),
    OpInfo("permute", lambda T, x: x.permute(2, 0, 1), [(F((2, 3, 4)),)]),
    OpInfo("expand", lambda T, x: x.expand(3, 4), [(F((4,)),), (F((3, 1)),)]),
    OpInfo("expand_as", lambda T, x, y: x.expand_as(y), [(F((1, 4)), C(S))]),
    OpInfo("repeat", lambda T, x: x.repeat(2, 1, 3), unary[:1]),
    OpInfo("tile", lambda T, x: x.tile(2), unary[:1]),
    OpInfo("flip", lambda T, x: x.flip(0), unary[:1]),
    OpInfo("roll", lambda T, x: x.roll(1, 0), unary[:1]),
    OpInfo("narrow", lambda T, x: x.narrow(1, 1, 2), unary[:1]),
    OpInfo("select", lambda T, x: x.select(1, 2), unary[:1]),
    OpInfo("split", lambda T, x: x.split(2, 1), unary[:1]),
    OpInfo("split_sizes", lambda T, x: x.split([1, 3], 1), unary[:1]),
    OpInfo("split_one_used", lambda T, x: x.split(2, 1)[1] * 2, unary[:1]),
    OpInfo("chunk", lambda T, x: x.chunk(2), unary[:1]),
    OpInfo("unbind", lambda T, x: x.unbind(1), unary[:1]),
    OpInfo("cat", lambda T, x, y: T.cat([x, y], 1), [(F((3, 2)), F((3, 4)))]),
    OpInfo("stack", lambda T, x, y: T.stack([x, y], 0), [(F(S), F(S))]),
    OpInfo("pad_constant", lambda T, x: T.nn.functional.pad(x, (1, 2)), unary[:1]),
    OpInfo("pad_reflect", lambda T, x: T.nn.functional.pad(x.unsqueeze(0), (1, 1),
                                                           mode="reflect"), unary[:1]),
    OpInfo("pad_replicate", lambda T, x: T.nn.functional.pad(x.unsqueeze(0), (1, 2),
                                                             mode="replicate"), unary[:1]),
    OpInfo("movedim", lambda T, x: x.movedim(0, 2), [(F((2, 3, 4)),)]),
    # ----------------------------------------------------------- indexing
    OpInfo("getitem_int", lambda T, x: x[1], unary[:1]),
    OpInfo("getitem_slice", lambda T, x: x[:, 1:3], unary[:1]),
    OpInfo("getitem_step", lambda T, x: x[::2, 1::2], unary[:1]),
    OpInfo("getitem_none_ellipsis", lambda T, x: (x[None], x[..., 1]), unary[:1]),
    OpInfo("getitem_full", lambda T, x: (x[:], x[...]), unary[:1]),
    OpInfo("getitem_list", lambda T, x: x[[0, 2, 0]], unary[:1]),
    OpInfo("getitem_tensor", lambda T, x, i: x[i], [(F(S), I([0, 0, 2]))]),
    OpInfo("getitem_bool", lambda T, x: x[x > 0], unary[:1], gradcheck=False,
           note="mask depends on the values"),
    OpInfo("getitem_mixed", lambda T, x: x[1:, [0, 1]], unary[:1]),
    OpInfo("getitem_two_lists", lambda T, x: x[[0, 2], [1, 3]], unary[:1]),
    OpInfo("gather", lambda T, x, i: x.gather(1, i), [(F(S), I([[0], [1], [3]]))]),
    OpInfo("scatter", lambda T, x, i, y: x.scatter(1, i, y),
           [(F(S), I([[0], [1], [3]]), F((3, 1)))]),
    OpInfo("scatter_add", lambda T, x, i, y: x.scatter_add(1, i, y),
           [(F(S), I([[0, 0], [1, 2], [3, 3]]), F((3, 2)))]),
    OpInfo("index_select", lambda T, x, i: x.index_select(0, i), [(F(S), I([0, 2, 2]))]),
    OpInfo("index_add", lambda T, x, i, y: x.index_add(0, i, y),
           [(F(S), I([0, 2, 0]), F((3, 4)))]),
    OpInfo("take_along_dim", lambda T, x, i: T.take_along_dim(x, i, 1),
           [(F(S), I([[0], [1], [3]]))]),
    OpInfo("masked_select", lambda T, x: x.masked_select(x > 0), unary[:1], gradcheck=False,
           note="mask depends on the values"),
    OpInfo("sort", lambda T, x: tuple(x.sort(1)), unary[:1]),
    OpInfo("sort_desc", lambda T, x: tuple(x.sort(0, descending=True)), unary[:1]),
    OpInfo("argsort", lambda T, x: x.argsort(1), unary[:1], gradcheck=False, note="int result"),
    OpInfo("topk", lambda T, x: tuple(x.topk(2)), unary[:1]),
    # ----------------------------------------------------------- dtype and misc
    OpInfo("to_float64", lambda T, x: x.to(T.float64), unary[:1]),
    OpInfo("double_float", lambda T, x: (x.double(), x.float()), unary[:1], gradcheck=False,
           note="a float32 output: finite differences in float32 are too coarse"),
    OpInfo("long_int_bool", lambda T, x: (x.long(), x.int(), x.bool()), unary[:1],
           gradcheck=False, note="integer result"),
    OpInfo("type_as", lambda T, x: x.type_as(T.tensor(1, dtype=T.float64)), unary[:1]),
    OpInfo("clone", lambda T, x: x.clone(), unary[:1]),
    OpInfo("inplace_zero_fill_copy", lambda T, x, y: ((x * 1).zero_() + (x * 2).fill_(3.0),
                                                      (x * 1).copy_(y)), [(F(S), F(V))]),
    OpInfo("contiguous", lambda T, x: (x.t().contiguous(), x.contiguous() * 1), unary[:1]),
    OpInfo("reshape_transposed", lambda T, x: x.t().reshape(12), unary[:1]),
    OpInfo("reshape_sliced", lambda T, x: x[:, 1:3].reshape(-1), unary[:1]),
    OpInfo("reshape_expanded", lambda T, x: x.expand(2, 3, 4).reshape(6, 4), unary[:1]),
    OpInfo("reshape_three_paths", lambda T, x: (x.t().reshape(12), x[:, 1:3].reshape(-1),
                                                x.expand(2, 3, 4).reshape(6, 4)), unary[:1]),
    OpInfo("nonzero", lambda T, x: x.nonzero(), unary[:1], gradcheck=False, note="int result"),
    OpInfo("unique", lambda T, x: T.unique(x.round()), unary[:1], gradcheck=False,
           note="no grad in torch either"),
    OpInfo("one_hot", lambda T, i: T.nn.functional.one_hot(i, 5), [(I([0, 3, 1]),)],
           gradcheck=False, note="int result"),
]

BY_NAME = {op.name: op for op in OPS}
assert len(BY_NAME) == len(OPS), "duplicate op names in op_db"


def make_inputs(T, sample, dtype, seed: int):
    """Build one sample's inputs as T tensors (same values under torch and tapegrad)."""
    rng = np.random.default_rng(seed)
    out = []
    for spec in sample:
        if isinstance(spec, F):
            data = rng.uniform(spec.low, spec.high, size=spec.shape)
            out.append(T.tensor(data, dtype=dtype, requires_grad=spec.requires_grad))
        elif isinstance(spec, I):
            out.append(T.tensor(spec.values, dtype=T.int64))
        elif isinstance(spec, B):
            out.append(T.tensor(spec.values, dtype=T.bool))
        else:
            out.append(spec)
    return out


def flat_outputs(result) -> list:
    if isinstance(result, (tuple, list)):
        items = []
        for r in result:
            items.extend(flat_outputs(r))
        return items
    return [result]
