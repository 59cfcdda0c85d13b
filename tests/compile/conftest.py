"""tg.compile's tests count programs, eager calls and fast calls: the compiled-code budget
(NOTE [Compiled-code budget] in `_lru.py`), which clears every compiled program after 256 new
compilations in the process, would make those counts depend on what else ran in the worker.
It is off while a test here runs (and its count restarts), and on again afterwards."""

import pytest

from tapegrad import _lru


@pytest.fixture(autouse=True)
def _no_compiled_code_budget():
    limit = _lru.COMPILE_CACHE_LIMIT
    _lru.set_compile_cache_limit(0)
    _lru.over_budget = False
    try:
        yield
    finally:
        _lru.set_compile_cache_limit(limit)
