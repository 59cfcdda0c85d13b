"""NOTE [Scalar operands]: Python numbers used as operands reach the kernels as cached
weak-typed device scalars. Values, dtypes (torch's wrapped-number promotion) and errors stay
torch's, for the numbers the cache skips too (0.0 and -0.0, NaN), and an int beyond int64 is
torch's OverflowError."""

from __future__ import annotations

from tapegrad.ops import _dispatch
from tapegrad.testing import assert_parity


def test_scalar_operands_keep_torch_values_dtypes_and_errors():
    def program(T):
        out = []
        for dtype in (T.float32, T.float64, T.int64, T.int32, T.bool):
            x = T.tensor([1, 0, 3], dtype=dtype)
            for s in (2, 2.5, -0.0, 0.0, float("nan"), True, 2 ** 40, -3):
                try:
                    out.append(x * s)
                    out.append(x + s)
                except RuntimeError as e:
                    print(type(e).__name__, e)
        y = T.tensor([1.0, -2.0], requires_grad=True)
        z = (y * 3 + 1) * -0.0
        z.sum().backward()
        for big in (2 ** 64, -2 ** 63 - 1, 2 ** 70):
            for t in (T.tensor([1, 2]), T.ones(2)):
                try:
                    t + big
                except OverflowError as e:
                    print(type(e).__name__, e)
        return out + [z, y.grad], []
    assert_parity(program)


def test_the_scalar_cache_is_bounded_and_skips_ambiguous_keys():
    import tapegrad as tg
    _dispatch._SCALARS.clear()
    x = tg.ones(2)
    for i in range(_dispatch._SCALARS_MAX + 10):
        x * (i + 0.5)
    assert len(_dispatch._SCALARS) <= _dispatch._SCALARS_MAX
    _dispatch._SCALARS.clear()
    for s in (0.0, -0.0, float("nan")):
        x * s
    assert _dispatch._SCALARS == {}
