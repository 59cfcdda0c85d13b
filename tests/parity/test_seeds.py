"""Every program of the seed documents prints and returns under tapegrad what it does under torch."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity, run
from tapegrad.testing.seeds import PROGRAMS


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_seed_program_matches_torch(program):
    assert_parity(program)


def test_seed_programs_cover_every_seed_document():
    covered = {p.__name__[4:7] for p in PROGRAMS}
    assert covered == {"000", "001", "002", "003", "004"}


def test_harness_reports_a_difference():
    # The harness must be able to fail: a program that depends on the module name differs.
    from tapegrad.testing import compare

    def program(T):
        print(T.__name__ == "torch")

    diff, _, _ = compare(program)
    assert diff is not None and diff.startswith("stdout")


def test_seed_expected_values_under_torch():
    # Anchor the seed facts the articles state, observed from live torch.
    from tapegrad.testing import seeds

    assert run(seeds.seed001_gradient_weights_1_2, "torch").stdout == "tensor([9.])\n"
    assert run(seeds.seed001_gradient_weights_1_3, "torch").stdout == "tensor([11.])\n"
    assert run(seeds.seed001_grad_zero, "torch").stdout.count("tensor([8.])") == 4
