"""torch's parameter names work as keywords (`tg.matmul(input=a, other=b)`).

torch's Python binding of an ATen op takes the schema's argument names as keywords (`self`
spelled `input`); a Python-level torch function takes its own signature's. Every tapegrad
function and method that torch has must accept those names (names shared by all of torch's
overloads, `out=` aside)."""

import inspect

import pytest
import torch

import tapegrad as tg

_PREFIX = {"linalg": "linalg_", "special": "special_", "fft": "fft_"}
_NAMESPACES = {
    "torch": (torch, tg, False), "Tensor": (torch.Tensor, tg.Tensor, True),
    "nn.functional": (torch.nn.functional, tg.nn.functional, False),
    "linalg": (torch.linalg, tg.linalg, False), "special": (torch.special, tg.special, False),
    "fft": (torch.fft, tg.fft, False),
}
_BUILTIN = ("builtin_function_or_method", "method_descriptor")


def _schema_names(op: str, method: bool) -> set | None:
    sets = []
    for schema in torch._C._jit_get_schemas_for_operator("aten::" + op):
        if any(a.is_out for a in schema.arguments):
            continue
        names = [a.name for a in schema.arguments if not a.kwarg_only or True]
        if method:
            if not names or names[0] != "self":
                continue
            names = names[1:]
        sets.append({"input" if n == "self" else n for n in names})
    return set.intersection(*sets) if sets else None


def torch_keywords(ns: str, name: str) -> set | None:
    """The keywords torch accepts for `name` in namespace `ns` (None: not determinable)."""
    owner, _, method = _NAMESPACES[ns]
    fn = getattr(owner, name)
    if type(fn).__name__ in _BUILTIN:
        return _schema_names(_PREFIX.get(ns, "") + name, method)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in sig.parameters.values() if p.kind in kinds} - {"self"}


def missing_keywords(ns: str) -> dict:
    owner, mine, _ = _NAMESPACES[ns]
    out = {}
    for name in sorted(dir(mine)):
        if name.startswith("_") or not hasattr(owner, name):
            continue
        g = getattr(mine, name)
        if not callable(g) or isinstance(g, type):
            continue
        wanted = torch_keywords(ns, name)
        if not wanted:
            continue
        try:
            params = inspect.signature(g).parameters
        except (TypeError, ValueError):
            continue
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            continue
        lacking = sorted(k for k in wanted - {"out"}
                         if k not in params or params[k].kind is inspect.Parameter.POSITIONAL_ONLY)
        if lacking:
            out[name] = lacking
    return out


@pytest.mark.parametrize("ns", sorted(_NAMESPACES))
def test_torch_keyword_names_are_accepted(ns):
    assert missing_keywords(ns) == {}


def test_the_check_sees_schema_names():
    # The oracle itself: torch.linalg.cholesky takes `input` (its schema's self), not `A`.
    assert torch_keywords("linalg", "cholesky") == {"input", "upper"}
    assert "input" in torch_keywords("torch", "matmul")
    torch.linalg.cholesky(input=torch.eye(2))
    with pytest.raises(TypeError):
        torch.linalg.cholesky(A=torch.eye(2))


def test_keywords_work_in_calls():
    a, b = tg.ones(2, 3), tg.ones(3, 2)
    assert tg.matmul(input=a, other=b).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert tg.zeros_like(input=a).shape == (2, 3)
    assert tg.linalg.cholesky(input=tg.eye(2)).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert a.split(split_size=1)[0].shape == (1, 3)
