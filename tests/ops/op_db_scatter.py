"""op_db entries for the scatter family (issue 11); see op_db.py for the spec language."""

from __future__ import annotations

from op_db import B, C, F, I, M, P, S, U, V, Z, OpInfo, b, binary, u, unary  # noqa: F401

OPS: list[OpInfo] = [
]
