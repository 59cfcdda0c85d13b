"""sum_to: reduce a gradient to an input's shape (the broadcasting backward), as ATen's."""

from __future__ import annotations


def sum_to(grad, shape: tuple):
    shape = tuple(shape)
    if tuple(grad.shape) == shape:
        return grad
    if not shape:
        return grad.sum()  # torch: a 0-d target is a plain sum (SumBackward0), not a view
    lead = grad.ndim - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and grad.shape[lead + i] != 1:
            dims.append(lead + i)
    out = grad.sum(tuple(dims), keepdim=True) if dims else grad
    if lead > 0:
        out = out.view(shape)
    return out


def is_expandable_to(shape: tuple, desired: tuple) -> bool:
    if len(shape) > len(desired):
        return False
    for i in range(1, len(shape) + 1):
        if shape[-i] != desired[-i] and shape[-i] != 1:
            return False
    return True
