"""Flatten parameters into one vector and back, as torch.nn.utils.convert_parameters."""

from __future__ import annotations

from collections.abc import Iterable

from ...tensor import Tensor
from ...ops import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor of all parameters (differentiable). Matches `parameters_to_vector`."""
    return cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Write slices of `vec` into the parameters' `.data`. Matches `vector_to_parameters`."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view(tuple(param.shape)).data
        pointer += n
