"""Indexing and assembly ops beyond `indexing.py`/`shape.py`: index_put/copy/fill/reduce,
scatter_reduce, take/put, the *_scatter ops, splits and stacks, and the combinatoric
constructors. Declarations as in `indexing.py`."""

from __future__ import annotations
