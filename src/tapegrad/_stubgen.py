"""Generate `tensor.pyi`: type stubs for `tapegrad.tensor`, including the Tensor methods the op
table attaches at import (`x.sin()`, `x.add_(y)`, `x + y`), so editors and type checkers see
them. Run `python -m tapegrad._stubgen` after changing the op table; a test checks the stub
is current.

Signatures come from the code itself: `inspect` for functions written in Python (their string
annotations are kept), and each `Op` declaration for generated methods (tensor inputs typed
`Tensor`, or `Tensor | float` where a Python number is accepted; statics keep their names).
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pathlib
import re
import types
from typing import Any

import tapegrad  # noqa: F401 - attaches the op methods to Tensor
_tensor_module = importlib.import_module("tapegrad.tensor")
from tapegrad.ops._op import Op

STUB = pathlib.Path(__file__).with_name("tensor.pyi")
_BUILTIN_NAMES = ("int", "float", "bool", "complex", "type")
_BINARY = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
           "xor", "lshift", "rshift", "div")
# Operator dunders take one operand: typed (self, other) -> Tensor, as torch's stubs do (their
# keyword options would make mypy reject x += y against x + y).
_OPERATOR_DUNDERS = ({f"__{p}{op}__" for op in _BINARY for p in ("", "r", "i")}
                     | {f"__{c}__" for c in ("lt", "le", "gt", "ge")})


def _class_ann(text: str) -> str:
    """Inside `class Tensor`, `float`/`int`/`bool` name methods: refer to builtins explicitly."""
    return re.sub(r"(?<![\w.])(" + "|".join(_BUILTIN_NAMES) + r")\b", r"builtins.\1", text)


_TREE = ast.parse(pathlib.Path(_tensor_module.__file__).read_text())  # tensor.py itself


def _known_names() -> set[str]:
    """Names an annotation in the stub may use: tensor.py's imports and definitions."""
    names = set(dir(builtins)) | {"builtins", "None"}
    for node in _TREE.body:
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
    return names


_KNOWN = _known_names()


def _ann(annotation: Any, in_class: bool) -> str:
    if annotation is inspect.Parameter.empty:
        return "Any"
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    # An annotation written in another module may name what tensor.py does not import.
    if any(n not in _KNOWN for n in re.findall(r"(?<![\w.])([A-Za-z_]\w*)", text)):
        return "Any"
    return _class_ann(text) if in_class else text


def _params(sig: inspect.Signature, in_class: bool) -> str:
    parts = []
    seen_kw_only = False
    for p in sig.parameters.values():
        ann = "" if p.name in ("self", "cls") and p.annotation is inspect.Parameter.empty \
            else f": {_ann(p.annotation, in_class)}"
        default = "" if p.default is inspect.Parameter.empty else " = ..."
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}{ann}")
            seen_kw_only = True
        elif p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}{ann}")
        elif p.kind is p.KEYWORD_ONLY and not seen_kw_only:
            parts.append("*")
            seen_kw_only = True
            parts.append(f"{p.name}{ann}{default}")
        elif p.kind is p.POSITIONAL_ONLY:
            parts.append(f"{p.name}{ann}{default}")
        else:
            parts.append(f"{p.name}{ann}{default}")
    return ", ".join(parts)


def _function(name: str, fn: Any, in_class: bool, indent: str) -> list[str]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return [f"{indent}def {name}(self, *args: Any, **kwargs: Any) -> Any: ..."]
    params = list(sig.parameters.values())
    if in_class and (not params or params[0].kind not in (params[0].POSITIONAL_ONLY,
                                                           params[0].POSITIONAL_OR_KEYWORD)):
        return [f"{indent}def {name}(self, *args: Any, **kwargs: Any) -> Any: ..."]
    if in_class and params[0].name != "self":  # a lambda's first parameter is the tensor
        sig = sig.replace(parameters=[params[0].replace(name="self")] + params[1:])
    ret = _ann(sig.return_annotation, in_class)
    # Tensor's == and != are elementwise (a Tensor, not a bool), as torch's stubs say.
    ignore = "  # type: ignore[override]" if name in ("__eq__", "__ne__") else ""
    return [f"{indent}def {name}({_params(sig, in_class)}) -> {ret}: ...{ignore}"]


def _op_method(name: str, op: Op) -> str:
    parts = ["self"]
    for inp in op.input_names[1:]:
        typ = "Tensor | builtins.float" if inp in op.scalars else "Tensor"
        parts.append(f"{inp}: {typ}")
    for s in op.static:
        parts.append(f"{s}: Any = ..." if s in op.defaults else f"{s}: Any")
    ret = "Any" if op.multi else "Tensor"
    ignore = "  # type: ignore[override]" if name in ("__eq__", "__ne__") else ""
    if parts[-1].endswith("Any") and any(p.endswith("= ...") for p in parts):
        # a required static after a defaulted one cannot be written positionally: keywords
        parts = parts[:1] + ["*args: Any", "**kwargs: Any"]
    return f"    def {name}({', '.join(parts)}) -> {ret}: ...{ignore}"


def _tensor_class() -> list[str]:
    lines = ["class Tensor:"]
    for name in sorted(vars(_tensor_module.Tensor)):
        value = vars(_tensor_module.Tensor)[name]
        if name in ("__slots__", "__module__", "__doc__", "__dict__", "__weakref__"):
            continue
        if isinstance(value, types.MemberDescriptorType):
            lines.append(f"    {name}: Any")
        elif name in _OPERATOR_DUNDERS:
            lines.append(f"    def {name}(self, other: Any) -> Tensor: ...")
        elif name in ("__eq__", "__ne__"):
            lines.append(f"    def {name}(self, other: Any) -> Tensor: ...  "
                         "# type: ignore[override]")
        elif isinstance(value, property):
            ret = "Any"
            if value.fget is not None:
                try:
                    ret = _ann(inspect.signature(value.fget).return_annotation, True)
                except (TypeError, ValueError):
                    pass
            lines += ["    @property", f"    def {name}(self) -> {ret}: ..."]
            if value.fset is not None:
                lines += [f"    @{name}.setter", f"    def {name}(self, value: Any) -> None: ..."]
        elif isinstance(value, staticmethod):
            lines.append("    @staticmethod")
            lines += _function(name, value.__func__, True, "    ")
        elif isinstance(getattr(value, "_op", None), Op):
            lines.append(_op_method(name, value._op))
        elif isinstance(value, Op):
            lines.append(f"    def {name}(self, *args: Any, **kwargs: Any) -> Any: ...")
        elif callable(value):
            lines += _function(name, value, True, "    ")
        elif isinstance(value, type(None)):
            lines.append(f"    {name}: None")
    return lines


def _other_class(cls: type) -> list[str]:
    bases = ", ".join(b.__name__ for b in cls.__bases__ if b is not object)
    lines = [f"class {cls.__name__}({bases}):" if bases else f"class {cls.__name__}:"]
    body = []
    for name, value in sorted(vars(cls).items()):
        if name in ("__slots__", "__module__", "__doc__", "__dict__", "__weakref__",
                    "__qualname__"):
            continue
        if isinstance(value, property):
            body += ["    @property", f"    def {name}(self) -> Any: ..."]
        elif isinstance(value, (staticmethod, classmethod)):
            body.append(f"    @{type(value).__name__}")
            body += _function(name, value.__func__, False, "    ")
        elif callable(value):
            body += _function(name, value, False, "    ")
        elif isinstance(value, types.MemberDescriptorType):
            body.append(f"    {name}: Any")
    return lines + (body or ["    ..."])


def _imports() -> list[str]:
    """tensor.py's own imports (its annotations name them), minus `__future__`."""
    out = ["import builtins"]
    for node in _TREE.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            out.append(ast.unparse(node))
    return out


def generate() -> str:
    lines = ['"""Type stubs for tapegrad.tensor, generated by `python -m tapegrad._stubgen`; '
             'do not edit."""', "", *_imports(), ""]
    assigned = _assigned_names()
    for name, value in vars(_tensor_module).items():
        if name.startswith("__"):
            continue
        module = getattr(value, "__module__", None)
        if isinstance(value, type) and module == _tensor_module.__name__:
            lines += ["", *(_tensor_class() if value is _tensor_module.Tensor
                            else _other_class(value)), ""]
        elif isinstance(value, types.FunctionType) and module == _tensor_module.__name__:
            lines += _function(name, value, False, "")
        elif name in assigned and not callable(value):
            # (a builtin type's name, else Any: the stub imports no third-party types)
            typ = type(value).__name__ if type(value).__module__ == "builtins" else "Any"
            lines.append(f"{name}: {typ}")
    return "\n".join(lines).rstrip() + "\n"


def _assigned_names() -> set[str]:
    """Names assigned at tensor.py's top level (module constants, not imports)."""
    names = set()
    for node in _TREE.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def main() -> None:
    STUB.write_text(generate())
    print(f"wrote {STUB}")


if __name__ == "__main__":
    main()
