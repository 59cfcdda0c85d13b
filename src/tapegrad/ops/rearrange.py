"""`tg.func.rearrange`: torch.func.rearrange, einops-style patterns ("b (h w) c -> b h w c").

torch's is native (it does not need the einops package): it parses the pattern (the einops
grammar: names, parenthesized groups, `...`, unit axes `1`), binds the named axes to the
tensor's sizes as first-class dims do, and lowers to strided views, which is what its graph
shows and what is reproduced here:

1. an `as_strided` of the input splitting its dims into the pattern's axes
   (AsStridedBackward0, always);
2. another `as_strided` putting them in the output order (AsStridedBackward0), when that
   order differs; left-side unit axes go first, to be summed away;
3. a reshape to the output's grouped sizes (ViewBackward0, ReshapeAliasBackward0 or
   UnsafeViewBackward0 over CloneBackward0, as strides allow);
4. a sum over the left-side unit axes (SumBackward1), if any.

The result is a view of the input where torch's is. Errors are torch's (functorch's
ValueErrors for bad patterns, its DimensionBindError for sizes that do not bind). A list or
tuple of tensors is stacked first.

The backward of the `as_strided` nodes is torch's as_strided_backward (the gradient copied
into a zeros view, then viewed as the input), so a create_graph backward records torch's
AsStridedBackward0 over CopySlices, and `.grad._version` is 1 as in torch.
"""

from __future__ import annotations

import functools
import keyword
import math
import warnings

import jax.numpy as jnp

from ..tensor import Tensor
from ._op import Op
from .shape import _permuted, reshape
from .shape import stack as _stack

__all__ = ["rearrange", "DimensionBindError"]

_ELLIPSIS = "\u2026"


class DimensionBindError(Exception):
    """Sizes that do not bind to the pattern's axes (functorch.dim.DimensionBindError)."""


def _strided_forward(self, shape, perm):
    return jnp.transpose(jnp.reshape(self, shape), perm)


def _as_strided_backward(grad, self_sym_sizes, shape, perm):
    """torch's as_strided_backward: zeros in the input's layout, the output's view of them
    takes `grad` (copy_: CopySlices under create_graph), and the input's view of them is the
    gradient (AsStridedBackward0)."""
    storage = Tensor._make(jnp.zeros(tuple(self_sym_sizes), grad._storage.array.dtype))
    _as_strided(storage, shape, perm).copy_(grad)
    return _as_strided(storage, tuple(self_sym_sizes), tuple(range(len(self_sym_sizes))))


# torch's as_strided, restricted to what rearrange asks of it: a split of the input's dims
# (`shape`) followed by a permutation (`perm`); a view, like torch's.
_as_strided = Op(
    "_rearrange_as_strided", "AsStridedBackward0", _strided_forward,
    static=("shape", "perm"), dtype_rule="keep",
    view=lambda s, b: _permuted(s["shape"], s["perm"]),
    grad_version=1,  # the copy_ into the zeros
    derivatives={"self": _as_strided_backward})


# ------------------------------------------------------------------ the pattern grammar
class _Anonymous:
    def __init__(self, value: str) -> None:
        self.value = int(value)
        if self.value < 1:
            raise ValueError(f"Anonymous axis should have positive length, not {self.value}")


class _Side:
    """One side of a pattern: `composition` lists the dims, each a list of names (a group;
    [] for a unit axis) or the ellipsis."""

    def __init__(self, text: str) -> None:
        self.has_ellipsis = False
        self.ellipsis_in_group: bool | None = None
        self.identifiers: set = set()
        self.non_unitary_anonymous = False
        self.composition: list = []
        if "." in text:
            if "..." not in text:
                raise ValueError("Expression may contain dots only inside ellipsis (...)")
            if text.count("...") != 1 or text.count(".") != 3:
                raise ValueError("Expression may contain dots only inside ellipsis (...); only "
                                 "one ellipsis for tensor ")
            text = text.replace("...", _ELLIPSIS)
            self.has_ellipsis = True
        group: list | None = None
        word: str | None = None

        def add(name: str) -> None:
            if name in self.identifiers:
                raise ValueError(f"Indexing expression contains duplicate dimension '{name}'")
            if name == _ELLIPSIS:
                self.identifiers.add(_ELLIPSIS)
                (self.composition if group is None else group).append(_ELLIPSIS)
                self.ellipsis_in_group = group is not None
                return
            number = name.isdecimal()
            if number and int(name) == 1:
                if group is None:
                    self.composition.append([])
                return
            ok, reason = _check_name(name)
            if not (number or ok):
                raise ValueError(f"Invalid axis identifier: {name}\n{reason}")
            axis = _Anonymous(name) if number else name
            self.identifiers.add(axis)
            self.non_unitary_anonymous |= number
            if group is None:
                self.composition.append([axis])
            else:
                group.append(axis)

        for char in text:
            if char in "() ":
                if word is not None:
                    add(word)
                word = None
                if char == "(":
                    if group is not None:
                        raise ValueError("Axis composition is one-level (brackets inside "
                                         "brackets not allowed)")
                    group = []
                elif char == ")":
                    if group is None:
                        raise ValueError("Brackets are not balanced")
                    self.composition.append(group)
                    group = None
            elif char.isalnum() or char in ("_", _ELLIPSIS):
                word = char if word is None else word + char
            else:
                raise ValueError(f"Unknown character '{char}'")
        if group is not None:
            raise ValueError(f"Imbalanced parentheses in expression: '{text}'")
        if word is not None:
            add(word)


def _check_name(name: str) -> tuple[bool, str]:
    if not name.isidentifier():
        return False, "not a valid python identifier"
    if name[0] == "_" or name[-1] == "_":
        return False, "axis name should should not start or end with underscore"
    if keyword.iskeyword(name):
        warnings.warn(f"It is discouraged to use axes names that are keywords: {name}",
                      RuntimeWarning, stacklevel=2)
    if name == "axis":
        warnings.warn("It is discouraged to use 'axis' as an axis name and will raise an error "
                      "in future", FutureWarning, stacklevel=2)
    return True, ""


def _parse(pattern: str, axes_lengths: dict) -> tuple[_Side, _Side]:
    try:
        left_text, right_text = pattern.split("->")
    except ValueError:
        raise ValueError("Pattern must contain a single '->' separator") from None
    if _ELLIPSIS in axes_lengths:
        raise ValueError(f"'{_ELLIPSIS}' is not an allowed axis identifier")
    left, right = _Side(left_text), _Side(right_text)
    if not left.has_ellipsis and right.has_ellipsis:
        raise ValueError(f"Ellipsis found in right side, but not left side of a pattern "
                         f"{pattern}")
    if left.has_ellipsis and left.ellipsis_in_group:
        raise ValueError(f"Ellipsis is parenthesis in the left side is not allowed: {pattern}")
    for length in axes_lengths.values():
        if type(length) is not int:
            raise TypeError(f"rearrange axis lengths must be integers, got: {type(length)}")
    if left.non_unitary_anonymous or right.non_unitary_anonymous:
        raise ValueError("rearrange only supports unnamed axes of size 1")
    difference = set.symmetric_difference(left.identifiers, right.identifiers)
    if difference:
        raise ValueError("Identifiers only on one side of rearrange expression (should be on "
                         f"both): {difference}")
    unmatched = axes_lengths.keys() - left.identifiers
    if unmatched:
        raise ValueError(f"Identifiers not found in rearrange expression: {unmatched}")
    return left, right


@functools.lru_cache(256)
def _plan(ndim: int, pattern: str, lengths: tuple) -> tuple | None:
    """(left dims as tensor-dim groups of dim ids, specified sizes by dim id, the output order,
    the output groups, the number of leading unit axes); None for the identity on a 0-dim
    tensor. Cached as torch caches its compiled callable (warnings come once)."""
    axes_lengths = dict(lengths)
    left, right = _parse(pattern, axes_lengths)
    anonymous = sum(1 for d in left.composition if not d)
    if left.has_ellipsis:
        n_ellipsis = ndim - (len(left.composition) - 1)
        named = len(left.identifiers) - 1
        if anonymous + named > ndim:
            raise ValueError(f"Number of dimensions in pattern ({anonymous + named}) must be "
                             "less than or equal to the number of dimensions in the tensor "
                             f"({ndim})")
    else:
        n_ellipsis, named = 0, len(left.identifiers)
        if len(left.composition) != ndim:
            raise ValueError(f"Number of dimensions in pattern ({len(left.composition)}) must "
                             f"be equal to the number of dimensions in the tensor ({ndim})")
    if named + n_ellipsis + anonymous == 0:
        return None
    ids: dict = {}           # axis name (or a unit axis's position) -> its dim ids
    groups: list = []        # per tensor dim: the dim ids it splits into
    unit: list = []
    count = 0
    for pos, entry in enumerate(left.composition):
        if entry == _ELLIPSIS:
            ids[_ELLIPSIS] = tuple(range(count, count + n_ellipsis))
            groups.extend((k,) for k in ids[_ELLIPSIS])
            count += n_ellipsis
        elif entry:
            for name in entry:
                ids[name] = (count,)
                count += 1
            groups.append(tuple(ids[name][0] for name in entry))
        else:
            unit.append(count)
            groups.append((count,))
            count += 1
    specified = {ids[name][0]: n for name, n in axes_lengths.items()}
    out_groups = []
    for entry in right.composition:
        if entry == _ELLIPSIS:
            out_groups.extend((k,) for k in ids[_ELLIPSIS])
        else:
            out_groups.append(tuple(k for name in entry for k in ids[name]))
    order = tuple(unit) + tuple(k for g in out_groups for k in g)
    return tuple(groups), specified, order, tuple(out_groups), len(unit)


def _bind(groups, specified, shape) -> list:
    """Each dim id's size (functorch.dim's binding of dimension packs)."""
    sizes: dict = dict(specified)
    for group, n in zip(groups, shape):
        names = "(" + ", ".join(f"d{k}" for k in group) + ("," if len(group) == 1 else "") + ")"
        unknown = [k for k in group if k not in sizes]
        if len(unknown) > 1:
            raise DimensionBindError("cannot infer the sizes of two dimensions at once "
                                     f"d{unknown[0]} and d{unknown[1]}")
        known = math.prod(sizes[k] for k in group if k in sizes)
        if not unknown:
            if known != n:
                raise DimensionBindError(f"Dimension sizes to do not match ({n} != {known}) "
                                         f"when matching dimension pack {names}")
        elif len(group) == 1:
            sizes[unknown[0]] = n
        else:
            if n % known != 0:
                shown = tuple(sizes.get(k, "?") for k in group)
                raise DimensionBindError("inferred dimension does not evenly fit into larger "
                                         f"dimension: {n} vs {shown}")
            sizes[unknown[0]] = n // known
    return [sizes[k] for k in range(len(sizes))]


def _negative_strides(input, groups, sizes) -> None:
    strides = []
    for group, stride in zip(groups, input.stride()):
        inner = [sizes[k] for k in group]
        for i in range(len(group)):
            strides.append(stride * math.prod(inner[i + 1:]))
    if any(s < 0 for s in strides):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {strides}")


def rearrange(tensor, pattern: str, **axes_lengths: int):
    """Matches `torch.func.rearrange` (see the module docstring)."""
    if not isinstance(tensor, Tensor):
        tensor = _stack(tensor)
    plan = _plan(tensor.ndim, pattern, tuple(axes_lengths.items()))
    if plan is None:
        return tensor
    groups, specified, order, out_groups, n_unit = plan
    sizes = _bind(groups, specified, tuple(tensor.shape))
    if any(s < 0 for s in sizes):
        _negative_strides(tensor, groups, sizes)
    split = tuple(sizes)
    out = _as_strided(tensor, split, tuple(range(len(split))))
    if order != tuple(range(len(split))):
        out = _as_strided(out, split, order)
    final = [sizes[k] for k in order[:n_unit]] + \
        [math.prod(sizes[k] for k in g) for g in out_groups]
    out = reshape(out, tuple(final))
    if n_unit:
        out = out.sum(tuple(range(n_unit)))
    return out
