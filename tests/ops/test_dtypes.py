"""torch's dtype rules on ops: promotion, integer results, ints never requiring grad."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity

CASES = {
    "int_div_int_is_float": lambda T: T.tensor([3, 4]) / T.tensor([2, 8]),
    "int_floor_div": lambda T: T.tensor([7, -7]) // 2,
    "int_remainder": lambda T: T.tensor([7, -7]) % 3,
    "int_times_float_scalar": lambda T: T.tensor([1, 2]) * 1.5,
    "int32_plus_int64_zero_dim": lambda T: T.tensor([1, 2], dtype=T.int32) + T.tensor(5),
    "bool_plus_bool": lambda T: T.tensor([True, False]) + True,
    "bool_plus_int": lambda T: T.tensor([True, False]) + 1,
    "float32_vector_float64_zero_dim": lambda T: T.tensor([1.0]) * T.tensor(2.0,
                                                                            dtype=T.float64),
    "float16_float32": lambda T: T.tensor([1.0], dtype=T.float16) + T.tensor([1.0]),
    "int_sum_is_int64": lambda T: T.tensor([1, 2], dtype=T.int32).sum(),
    "bool_sum": lambda T: T.tensor([True, True, False]).sum(),
    "int_pow": lambda T: T.tensor([2, 3]) ** 2,
    "int_pow_float": lambda T: T.tensor([2, 3]) ** 0.5,
    "int_exp_is_float": lambda T: T.tensor([0, 1]).exp(),
    "int_sqrt_is_float": lambda T: T.tensor([4, 9]).sqrt(),
    "int_mean_error": lambda T: T.tensor([1, 2]).mean(),
    "int_neg_pow_error": lambda T: T.tensor([2]) ** -1,
    "argmax_is_int64": lambda T: T.tensor([1.0, 3.0]).argmax(),
    "comparison_is_bool": lambda T: T.tensor([1.0, 3.0]) > T.tensor([2, 2]),
    "float_to_int_no_grad": lambda T: T.tensor([1.5], requires_grad=True).long(),
    "int_tensor_op_with_grad_float": lambda T: T.tensor([1, 2]) * T.tensor(
        [0.5, 1.5], requires_grad=True),
    "where_mixed": lambda T: T.where(T.tensor([True, False]), T.tensor([1, 2]), 0.5),
    "clamp_int": lambda T: T.tensor([1, 5, 9]).clamp(2, 6),
    "cat_int": lambda T: T.cat([T.tensor([1, 2]), T.tensor([3])]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_dtype_rule_matches_torch(name):
    program = CASES[name]
    program.__name__ = name
    assert_parity(program)


SHAPE_ERRORS = {
    "mm": lambda T: T.ones(2, 3).mm(T.ones(4, 5)),
    "matmul_2d_1d": lambda T: T.ones(2, 3) @ T.ones(4),
    "dot": lambda T: T.ones(3).dot(T.ones(4)),
    "bmm": lambda T: T.ones(2, 3, 4).bmm(T.ones(2, 5, 2)),
    "mv": lambda T: T.ones(2, 3).mv(T.ones(4)),
    "matmul_3d_2d": lambda T: T.ones(2, 3, 4) @ T.ones(5, 2),
}


@pytest.mark.parametrize("name", sorted(SHAPE_ERRORS))
def test_matmul_shape_errors_match_torch(name):
    program = SHAPE_ERRORS[name]
    program.__name__ = name
    assert_parity(program)


def test_tensor_from_numpy_copies_like_torch():
    import numpy as np

    def program(T):
        a = np.arange(4.0, dtype=np.float32)
        t = T.tensor(a)
        a[0] = 100.0
        return t

    assert_parity(program)
