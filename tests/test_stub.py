"""tensor.pyi: current with the op table, and what a type checker makes of user code."""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys
import textwrap

import tapegrad as tg
from tapegrad import _stubgen

SRC = pathlib.Path(tg.__file__).parent.parent


def test_stub_is_current():
    assert _stubgen.STUB.read_text() == _stubgen.generate(), \
        "tensor.pyi is stale: run `python -m tapegrad._stubgen`"


def test_stub_declares_every_public_tensor_attribute():
    tree = ast.parse(_stubgen.STUB.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    declared = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    declared |= {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)}
    missing = [a for a in dir(tg.Tensor) if not a.startswith("_") and a not in declared]
    assert missing == []


def test_mypy_types_user_code_with_the_stub(tmp_path):
    program = tmp_path / "user.py"
    program.write_text(textwrap.dedent("""
        import tapegrad as tg

        x = tg.tensor([1.0, 2.0], requires_grad=True)
        y = (x.sin() * 2 + x).exp().sum()
        y.backward()
        reveal_type(x.sin())
        reveal_type(x.grad)
        x.add_(1)
        x.not_a_method()
    """))
    env = dict(os.environ, MYPYPATH=str(SRC))
    out = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental",
                          "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"),
                          str(program), str(_stubgen.STUB)],
                         capture_output=True, text=True, env=env, timeout=300).stdout
    assert 'Revealed type is "tapegrad.tensor.Tensor"' in out, out
    assert 'Revealed type is "tapegrad.tensor.Tensor | None"' in out, out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1 and '"Tensor" has no attribute "not_a_method"' in errors[0], out
