"""torch's tensor queries, conversions, legacy constructors and process-wide names, run
under torch and tapegrad (tapegrad.testing.compare: values, dtypes, grad_fn, versions,
errors, warnings, printed text)."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity


def _x(T):
    return T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)


PROGRAMS = {
    "queries": lambda T: (T.numel(_x(T)), T.is_floating_point(_x(T)), T.is_complex(_x(T)),
                          _x(T).is_signed(), T.is_signed(T.tensor([1], dtype=T.uint8)),
                          _x(T).get_device(), _x(T).ndimension(), _x(T).nbytes,
                          _x(T).itemsize, T.is_same_size(_x(T), _x(T)),
                          T.is_nonzero(T.tensor([2.0])), T.is_inference(_x(T))),
    "is_nonzero_many": lambda T: T.is_nonzero(_x(T)),
    "is_nonzero_empty": lambda T: T.is_nonzero(T.tensor([])),
    "H": lambda T: (_x(T).H, _x(T).mH, T.ones(2, 3, 4).mH),
    "H_3d": lambda T: T.ones(2, 3, 4).H,
    "type": lambda T: (_x(T).type(), _x(T).type(T.float64), _x(T).type("torch.DoubleTensor"),
                       T.tensor([1, 2]).type(), T.tensor([True]).type()),
    "type_bad": lambda T: _x(T).type("torch.Foo"),
    "cpu": lambda T: (_x(T).cpu() * 1, T.detach(_x(T)), tuple(T.empty_like(_x(T)).shape),
                      _x(T).cdouble(), _x(T).cfloat().dtype),
    "cuda": lambda T: _x(T).cuda(),
    "contains": lambda T: (2.0 in _x(T), 7 in _x(T), T.tensor(5.0) in _x(T)),
    "contains_bad": lambda T: "a" in _x(T),
    "dunders": lambda T: (reversed(_x(T)), _x(T).__div__(2), _x(T).__rdiv__(2),
                          complex(T.tensor([2.0])), T.tensor([3]).__long__(),
                          T.tensor([1.0]).__nonzero__()),
    "idiv": lambda T: T.ones(3).__idiv__(2),
    "complex_many": lambda T: complex(T.ones(2)),
    "sum_to_size": lambda T: (_x(T).sum_to_size(1, 3), _x(T).sum_to_size(2, 1),
                              _x(T).sum_to_size((1, 1)), _x(T).sum_to_size(2, 3)),
    "sum_to_size_bad": lambda T: _x(T).sum_to_size(2),
    "fill_diagonal": lambda T: _fill_diagonal(T),
    "fill_diagonal_bad": lambda T: T.zeros(3).fill_diagonal_(1),
    "fill_diagonal_uneven": lambda T: T.zeros(3, 3, 2).fill_diagonal_(1),
    "apply_": lambda T: _apply(T),
    "apply_grad": lambda T: T.ones(2, requires_grad=True).apply_(lambda v: v),
    "random_dtype_errors": lambda T: T.zeros(3, dtype=T.long).cauchy_(),
    "exponential_long": lambda T: T.zeros(3, dtype=T.long).exponential_(),
    "log_normal_long": lambda T: T.zeros(3, dtype=T.long).log_normal_(),
    "exponential_lambda": lambda T: T.zeros(3).exponential_(0),
    "geometric_p": lambda T: T.zeros(3).geometric_(1.5),
    "random_range": lambda T: T.zeros(3).random_(5, 2),
    "random_fills": lambda T: _random_fills(T),
    # ---- torch.* names outside the table
    "legacy": lambda T: (tuple(T.Tensor(2, 3).shape), T.Tensor([1, 2]), T.FloatTensor([1, 2]),
                         T.LongTensor([1, 2]), tuple(T.DoubleTensor(2).shape), tuple(T.Tensor().shape),
                         T.ByteTensor([1]).dtype, isinstance(T.tensor([1.0]), T.FloatTensor),
                         isinstance(T.tensor([1]), T.FloatTensor),
                         isinstance(T.tensor([1]), T.LongTensor)),
    "legacy_requires_grad": lambda T: T.Tensor([1, 2], requires_grad=True),
    "default_dtype": lambda T: _default_dtype(T),
    "default_dtype_int": lambda T: T.set_default_dtype(T.int32),
    "info": lambda T: (repr(T.finfo(T.float32)), repr(T.iinfo(T.int64)), T.finfo().eps,
                       T.finfo(T.float64).tiny, T.iinfo(T.uint8).max, T.finfo(T.float16).bits),
    "finfo_int": lambda T: T.finfo(T.int64),
    "iinfo_float": lambda T: T.iinfo(T.float32),
    "can_cast": lambda T: [T.can_cast(a, b) for a in (T.float64, T.int32, T.bool, T.complex64)
                           for b in (T.float32, T.int64, T.bool, T.complex128)],
    "broadcast_shapes": lambda T: (tuple(T.broadcast_shapes((3, 1), (4,))),
                                   tuple(T.broadcast_shapes(2, (3, 1)))),
    "broadcast_shapes_bad": lambda T: T.broadcast_shapes((3, 1), (2, 4)),
    "typename": lambda T: (T.typename(T.zeros(2)), T.typename(T.zeros(2, dtype=T.long))),
    "range": lambda T: (T.range(0, 1, 0.25), T.range(1, 4)),
    "windows": lambda T: (T.hann_window(5), T.hann_window(5, periodic=False),
                          T.hamming_window(4), T.bartlett_window(5), T.kaiser_window(4),
                          T.blackman_window(6, dtype=T.float64), T.hann_window(1),
                          T.hann_window(0)),
    "window_int": lambda T: T.hann_window(4, dtype=T.int64),
    "converters": lambda T: (T.as_tensor([1, 2]), T.as_tensor([1.5], dtype=T.float64),
                             T.asarray([1, 2]), T.scalar_tensor(3),
                             tuple(T.empty_strided((2, 3), (3, 1)).shape), str(T.get_default_device())),
    "as_tensor_same": lambda T: _as_tensor_same(T),
    "settings": lambda T: _settings(T),
}


def _fill_diagonal(T):
    z = T.zeros(7, 3)
    z.fill_diagonal_(1, wrap=True)
    w = T.zeros(3, 4, requires_grad=True).clone()
    w.fill_diagonal_(2.0)
    c = T.zeros(2, 2, 2)
    c.fill_diagonal_(5)
    t = T.zeros(5, 2)
    t.fill_diagonal_(3)
    u = T.zeros(11, 3)
    u.fill_diagonal_(4, wrap=True)
    return z, z._version, w, c, t, u, u._version


def _apply(T):
    a = T.tensor([1.0, 2.0])
    a.apply_(lambda v: v * 2)
    b = T.tensor([1, 2])
    b.map_(T.tensor([10, 20]), lambda u, v: u + v)
    return a, a._version, b


def _random_fills(T):
    T.manual_seed(0)
    outs = []
    for fill in (lambda t: t.exponential_(2.0), lambda t: t.cauchy_(),
                 lambda t: t.log_normal_(), lambda t: t.geometric_(0.3),
                 lambda t: t.random_(3, 7), lambda t: t.random_(4)):
        t = T.zeros(50)
        v = t._version
        r = fill(t)
        outs.append((r is t, t._version - v, tuple(t.shape), t.dtype))
    t = T.zeros(200)
    t.random_(3, 7)
    outs.append(sorted(set(t.tolist())) == [3.0, 4.0, 5.0, 6.0])
    t = T.zeros(2000).exponential_(2.0)
    outs.append(abs(t.mean().item() - 0.5) < 0.05)
    t = T.zeros(2000).geometric_(0.5)
    outs.append((t.min().item() >= 1, abs(t.mean().item() - 2.0) < 0.15))
    return outs


def _default_dtype(T):
    T.set_default_dtype(T.float64)
    try:
        return (T.tensor([1.5]).dtype, T.zeros(2).dtype, T.tensor(1j).dtype, T.Tensor(2).dtype,
                T.get_default_dtype(), T.tensor([]).dtype, T.arange(3.0).dtype)
    finally:
        T.set_default_dtype(T.float32)


def _as_tensor_same(T):
    t = T.tensor([1.0, 2.0])
    return T.as_tensor(t) is t, T.asarray(t) is t, T.Tensor(t) is t


def _settings(T):
    old = T.get_num_threads()
    T.set_num_threads(1)
    prec = T.get_float32_matmul_precision()
    T.use_deterministic_algorithms(True, warn_only=True)
    out = (T.get_num_threads(), prec, T.are_deterministic_algorithms_enabled(),
           T.is_deterministic_algorithms_warn_only_enabled(), T.get_deterministic_debug_mode(),
           T.is_storage(T.zeros(1)), T.is_warn_always_enabled())
    T.use_deterministic_algorithms(False)
    T.set_num_threads(old)
    return out + (T.get_deterministic_debug_mode(), repr(T.strided),
                  repr(T.contiguous_format))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_matches_torch(name):
    assert_parity(PROGRAMS[name])
