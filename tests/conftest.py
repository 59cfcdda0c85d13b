"""Global test configuration: the one place for JAX/torch/hypothesis settings."""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import hypothesis  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import tapegrad  # noqa: E402,F401  (changes no JAX setting: NOTE [x64]; tests run with x64 off)
from tapegrad import _lru  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(1)
hypothesis.settings.register_profile(
    "ci", max_examples=25, derandomize=True, deadline=None, print_blob=True)
hypothesis.settings.load_profile("ci")

# Warnings torch gives once per process (TORCH_WARN_ONCE) and tapegrad too: spend both now,
# so whichever test first touches them sees the same (no warning) under both libraries.
# tests/test_warn_once.py checks the first-time warnings in fresh processes.
WARN_ONCE_PROGRAMS = {
    "T_on_3d": "x = T.ones(2, 3, 4)\ny = x.T",
    "float_of_requires_grad": "x = T.ones((), requires_grad=True)\ny = float(x)",
    "meshgrid_no_indexing": "g = T.meshgrid(T.ones(2), T.ones(3))",
    "cross_no_dim": "c = T.cross(T.ones(3, 3), T.ones(3, 3))",
    "H_of_0d": "h = T.ones(()).H",
    "index_reduce_beta": "r = T.zeros(3).index_reduce_(0, T.tensor([0]), T.ones(1), 'prod')",
}


def _spend_warn_once() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for program in WARN_ONCE_PROGRAMS.values():
            for T in (torch, tapegrad):
                exec(program, {"T": T})


_spend_warn_once()


# Interop tests that run the user's own JAX transforms (jax.jit / jax.grad / equinox / optax)
# over float64 tapegrad code do so as a JAX user must: with x64 turned on by the user (NOTE
# [x64]: tapegrad scopes x64 to its own work; a trace the user's JAX owns runs under the user's
# setting). tests/interop/test_x64.py checks the default (x64 off) separately. (Kept here, not
# in tests/interop/conftest.py: a second conftest module would shadow `from conftest import`.)
_USER_X64_MODULES = {"test_jax_jit", "test_jax_ad", "test_pytrees", "test_equinox"}


@pytest.fixture(autouse=True)
def _user_x64(request):
    path = request.node.path
    if path.parent.name == "interop" and path.stem in _USER_X64_MODULES:
        import jax

        with jax.enable_x64(True):
            yield
    else:
        yield


@pytest.fixture(autouse=True)
def _no_compiled_code_budget_in_compile_tests(request):
    """tg.compile's tests count programs, eager calls and fast calls: the compiled-code budget
    (NOTE [Compiled-code budget] in `_lru.py`), which clears every compiled program after 256
    new compilations in the process, would make those counts depend on what else ran in the
    worker. It is off while a test under tests/compile runs, and on again afterwards."""
    if request.node.path.parent.name != "compile":
        yield
        return
    limit = _lru.COMPILE_CACHE_LIMIT
    _lru.set_compile_cache_limit(0)
    _lru.over_budget = False
    try:
        yield
    finally:
        _lru.set_compile_cache_limit(limit)
