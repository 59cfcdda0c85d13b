"""Data in: tg.tensor / tg.as_tensor of torch tensors, the copy-construct warning, and
from_numpy / as_tensor / tensor / from_dlpack checked against torch (dtypes, errors, warnings,
sharing where JAX allows it)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import tapegrad as tg

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
          "uint8", "bool", "complex64", "complex128"]


@pytest.mark.parametrize("convert", ["tensor", "as_tensor"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_of_a_torch_tensor(convert, dtype):
    t = (torch.arange(6).reshape(2, 3).t() - 2).to(getattr(torch, dtype))  # non-contiguous
    g = getattr(tg, convert)(t)
    assert g.dtype is getattr(tg, dtype) and tuple(g.shape) == (3, 2)
    ref = t.float() if dtype == "bfloat16" else t
    got = g.to(tg.float32) if dtype == "bfloat16" else g
    assert got.tolist() == ref.tolist()
    assert not g.requires_grad and g.is_leaf


def test_tensor_of_torch_tensors_follows_torch_tensor_of_tensors():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    g = tg.tensor(w, requires_grad=True)  # the data only, a new leaf, as torch.tensor(w)
    assert g.requires_grad and g.is_leaf and g.tolist() == [1.0, 2.0]
    assert tg.tensor(torch.tensor(1.5), dtype=tg.float64).dtype is tg.float64
    mixed = [torch.tensor(1), torch.tensor(2.5)]
    assert tg.tensor(mixed).dtype.name == _name(torch.tensor(mixed).dtype)
    assert tg.tensor(mixed).tolist() == torch.tensor(mixed).tolist()
    assert tg.as_tensor(torch.ones(2, dtype=torch.float64), dtype=tg.float32).dtype is tg.float32


def _name(d) -> str:
    return str(d).split(".")[-1]


def _warnings(fn) -> list:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(m.category, str(m.message), m.filename) for m in w]


@pytest.mark.parametrize("program", [
    lambda T: T.tensor(T.ones(2)),
    lambda T: T.tensor(T.ones(2, requires_grad=True)),
    lambda T: T.tensor(T.tensor(1.0), dtype=T.float64),
    lambda T: T.tensor([T.tensor(1.0), T.tensor(2.0)]),
    lambda T: T.tensor(np.ones(2)),
    lambda T: T.as_tensor(T.ones(2)),
    lambda T: T.as_tensor(T.ones(2), dtype=T.float64),
], ids=["tensor", "requires_grad", "dtype", "list_of_tensors", "ndarray", "as_tensor",
        "as_tensor_dtype"])
def test_copy_construct_warning_exactly_when_torch_warns(program):
    # same category, text and the caller's file (stacklevel) as torch's
    assert _warnings(lambda: program(tg)) == _warnings(lambda: program(torch))


BAD_ARRAYS = {
    "object": lambda: np.array([1, None], dtype=object),
    "str": lambda: np.array(["a"]),
    "negative_strides": lambda: np.arange(3.0)[::-1],
    "big_endian": lambda: np.arange(3, dtype=">f4"),
    "not_an_array": lambda: [1, 2],
}


def _outcome(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the exception is the observable
        return type(e), str(e)
    return _name(r.dtype), tuple(r.shape), r.tolist()


@pytest.mark.parametrize("convert", ["from_numpy", "as_tensor", "tensor"])
@pytest.mark.parametrize("case", sorted(BAD_ARRAYS))
def test_numpy_conversions_refuse_what_torch_refuses(convert, case):
    assert _outcome(lambda: getattr(tg, convert)(BAD_ARRAYS[case]())) == \
        _outcome(lambda: getattr(torch, convert)(BAD_ARRAYS[case]()))


@pytest.mark.parametrize("np_dtype", [np.float16, np.float32, np.float64, np.int8, np.int16,
                                      np.int32, np.int64, np.uint8, np.bool_, np.complex64])
def test_from_numpy_dtypes_and_values(np_dtype):
    a = np.arange(6).reshape(2, 3)[:, ::2].astype(np_dtype)
    for name in ("from_numpy", "as_tensor"):
        ours, theirs = getattr(tg, name), getattr(torch, name)
        assert _outcome(lambda: ours(a)) == _outcome(lambda: theirs(a))  # noqa: B023


def test_from_numpy_copies_where_torch_shares():
    # JAX arrays are immutable: a NumPy write after from_numpy is not seen (torch: it is).
    a = np.zeros(2)
    g, t = tg.from_numpy(a), torch.from_numpy(a)
    a[0] = 5.0
    assert t.tolist() == [5.0, 0.0] and g.tolist() == [0.0, 0.0]


def test_from_dlpack_of_something_without_dlpack_raises_torchs_error():
    assert _outcome(lambda: tg.from_dlpack([1, 2])) == _outcome(lambda: torch.from_dlpack([1, 2]))
    t = torch.ones(2, requires_grad=True)
    assert _outcome(lambda: tg.from_dlpack(t)) == _outcome(lambda: torch.from_dlpack(t))
