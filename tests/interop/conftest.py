"""Interop tests that run the user's own JAX transforms (jax.jit / jax.grad / equinox / optax)
over float64 tapegrad code do so as a JAX user must: with x64 turned on by the user (NOTE
[x64]: tapegrad scopes x64 to its own work; a trace that the user's JAX owns runs under the
user's setting). tests/interop/test_x64.py checks the default (x64 off) separately."""

from __future__ import annotations

import jax
import pytest

USER_X64_MODULES = {"test_jax_jit", "test_jax_ad", "test_pytrees", "test_equinox"}


@pytest.fixture(autouse=True)
def _user_x64(request):
    if request.module.__name__.rsplit(".", 1)[-1] in USER_X64_MODULES:
        with jax.enable_x64(True):
            yield
    else:
        yield
