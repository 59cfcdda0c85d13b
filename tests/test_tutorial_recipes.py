"""The recipes of PyTorch's tutorials (`tapegrad.testing.recipes`): each runs under torch and
tapegrad with only the module swapped and must print and return the same."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity
from tapegrad.testing.recipes import PROGRAMS


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_recipe_matches_torch(program):
    assert_parity(program, rtol=1e-7, atol=1e-9)
