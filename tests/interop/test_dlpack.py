"""DLPack to and from torch (SPEC §6): values, dtypes, shared buffers, torch's refusal."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tapegrad as tg


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_round_trip_with_torch(dtype):
    t = torch.arange(6).reshape(2, 3).to(getattr(torch, dtype))
    g = tg.from_dlpack(t)
    assert g.dtype is getattr(tg, dtype) and tuple(g.shape) == (2, 3)
    assert not g.requires_grad and g.is_leaf
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    back = torch.from_dlpack(g)
    assert back.dtype == t.dtype
    torch.testing.assert_close(back, t)
    # torch.from_dlpack shares the buffer (no copy) on CPU.
    assert back.data_ptr() == t.data_ptr()


def test_export_of_a_tensor_requiring_grad_is_refused_as_in_torch():
    for T in (torch, tg):
        x = T.ones(2, requires_grad=True)
        with pytest.raises(BufferError, match="Can't export tensors that require gradient"):
            x.__dlpack__()
        assert torch.from_dlpack(x.detach()).tolist() == [1.0, 1.0]


def test_imported_tensor_takes_part_in_autograd():
    w = tg.from_dlpack(torch.tensor([1.0, 2.0], dtype=torch.float64)).requires_grad_()
    (w ** 2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 4.0])
