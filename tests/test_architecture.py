"""The layering, read from the source: modules import only downward, one registration point
completes lower-layer classes, few function-level imports (issue "One table drives...")."""

from __future__ import annotations

import ast
import pathlib

import tapegrad as tg

SRC = pathlib.Path(tg.__file__).parent

# Layers in dependency order: a module may import its own layer and the layers before it.
LAYERS = {
    "state": ["_bind", "_checks", "_device", "_dtype", "_errors", "_errors_families",
              "_grad_mode", "_anomaly", "_storage", "_lru", "_numerics", "_x64", "_compilation_cache", "utils", "utils.hooks"],
    "tensor": ["tensor", "_tensor_str", "random", "return_types"],
    "graph": ["_graph"],
    "ops": ["ops"],
    "engine": ["autograd"],
}
ORDER = [*LAYERS, "top"]
MAX_FUNCTION_LEVEL_IMPORTS = 15


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str:
    """The layer of a module name relative to the package (`ops.shape` -> ops)."""
    for layer, prefixes in LAYERS.items():
        for p in prefixes:
            if module == p or module.startswith(p + ".") and p in ("ops", "autograd"):
                return layer
    return "top"


def _imported(tree: ast.AST, module: str, is_package: bool):
    """(node, imported module name relative to the package, at function level?)."""
    base = module.split(".") if is_package else module.split(".")[:-1]
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef,
                                                             ast.AsyncFunctionDef))]
    inner = {id(sub) for f in functions for sub in ast.walk(f)}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                prefix = base[:len(base) - node.level + 1] if node.level > 1 else base
                target = ".".join([*prefix, *(node.module.split(".") if node.module else [])])
                names = [target] if node.module else [".".join([*prefix, a.name])
                                                       for a in node.names]
                if node.module:
                    # `from .ops import shape` imports the submodule when it is one.
                    names += [f"{target}.{a.name}" for a in node.names
                              if (SRC / target.replace(".", "/") / f"{a.name}.py").exists()
                              or (SRC / target.replace(".", "/") / a.name).is_dir()]
            elif node.module and node.module.startswith("tapegrad"):
                names = [node.module[len("tapegrad."):] if "." in node.module else ""]
        elif isinstance(node, ast.Import):
            names = [a.name[len("tapegrad."):] for a in node.names
                     if a.name.startswith("tapegrad.")]
        for name in names:
            if name:
                yield node, name, id(node) in inner


def _sources():
    for path in sorted(SRC.rglob("*.py")):
        yield path, _module_name(path), ast.parse(path.read_text())


def test_modules_import_only_downward():
    bad = []
    for path, module, tree in _sources():
        layer = ORDER.index(_layer(module))
        for node, name, _ in _imported(tree, module, path.name == "__init__.py"):
            if ORDER.index(_layer(name)) > layer:
                bad.append(f"{path.relative_to(SRC)}:{node.lineno}: {module} ({_layer(module)}) "
                           f"imports {name} ({_layer(name)})")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_few_function_level_imports_each_explained():
    found, unexplained = [], []
    for path, module, tree in _sources():
        lines = path.read_text().splitlines()
        for node, name, inner in _imported(tree, module, path.name == "__init__.py"):
            if not inner:
                continue
            found.append(f"{path.relative_to(SRC)}:{node.lineno}")
            here = lines[node.lineno - 1]
            above = lines[node.lineno - 2] if node.lineno > 1 else ""
            if "#" not in here and not above.strip().startswith("#"):
                unexplained.append(found[-1])
    assert len(found) <= MAX_FUNCTION_LEVEL_IMPORTS, found
    assert not unexplained, f"function-level imports without a comment: {unexplained}"


def test_tensor_is_completed_only_through_the_registration_point():
    # Outside tensor.py nothing assigns `Tensor.x = ...` or calls `setattr(Tensor, ...)`;
    # higher layers attach members with `_bind.attach` (NOTE [Registration point]).
    bad = []
    for path, module, tree in _sources():
        if module in ("tensor", "_bind"):
            continue
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for t in targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) \
                        and t.value.id in ("Tensor", "AccumulateGrad", "Node"):
                    bad.append(f"{path.relative_to(SRC)}:{node.lineno}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "setattr" and node.args \
                    and isinstance(node.args[0], ast.Name) and node.args[0].id == "Tensor":
                bad.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not bad, bad
    from tapegrad import _bind

    owners = {owner for (cls, _), (_, owner) in _bind.ATTACHED.items() if cls is tg.Tensor}
    assert owners == {"tapegrad.ops._surface", "tapegrad.ops.views",
                      "tapegrad.autograd._backward", "tapegrad.random"}, owners


def test_no_source_file_is_over_900_lines():
    long = [(str(p.relative_to(SRC)), n) for p, _, _ in _sources()
            if (n := len(p.read_text().splitlines())) > 900]
    assert not long, long


def test_the_layer_check_sees_an_upward_import(tmp_path):
    # The checker itself: a tensor-layer import of the engine is flagged.
    tree = ast.parse("from .autograd import backward\n\ndef f():\n    from . import ops\n")
    found = [(name, inner) for _, name, inner in _imported(tree, "tensor", False)]
    assert ("autograd", False) in found and ("ops", True) in found
    assert ORDER.index(_layer("autograd")) > ORDER.index(_layer("tensor"))
