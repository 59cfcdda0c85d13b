"""The optimizers beyond SGD/Adam/RMSprop/Adagrad against torch, through the parity harness.

Same program as tests/optim/test_optimizers.py: seeded parameters, the same steps, compared on
parameters (values, versions, grads), the whole `state_dict()` and the losses; float64 to
1e-10 relative, float32 loosely.
"""

from __future__ import annotations

import pytest
from test_optimizers import TOL, optimizer_program

from tapegrad.testing import assert_parity

CASES = {
    "Adadelta": lambda T, p: T.optim.Adadelta(p),
    "Adadelta-wd-maximize": lambda T, p: T.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-5,
                                                          weight_decay=0.1, maximize=True),
    "Adamax": lambda T, p: T.optim.Adamax(p, lr=0.05),
    "Adamax-wd-maximize": lambda T, p: T.optim.Adamax(p, lr=0.05, betas=(0.8, 0.9),
                                                      weight_decay=0.1, maximize=True),
    "ASGD": lambda T, p: T.optim.ASGD(p, lr=0.1),
    "ASGD-t0-wd-maximize": lambda T, p: T.optim.ASGD(p, lr=0.1, lambd=0.01, alpha=0.5, t0=2,
                                                     weight_decay=0.05, maximize=True),
    "NAdam": lambda T, p: T.optim.NAdam(p, lr=0.05),
    "NAdam-wd": lambda T, p: T.optim.NAdam(p, lr=0.05, weight_decay=0.1, momentum_decay=0.01),
    "NAdam-decoupled-maximize": lambda T, p: T.optim.NAdam(
        p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
    "RAdam": lambda T, p: T.optim.RAdam(p, lr=0.05, betas=(0.9, 0.6)),
    "RAdam-wd": lambda T, p: T.optim.RAdam(p, lr=0.05, weight_decay=0.1),
    "RAdam-decoupled-maximize": lambda T, p: T.optim.RAdam(
        p, lr=0.05, betas=(0.9, 0.6), weight_decay=0.1, decoupled_weight_decay=True,
        maximize=True),
    "Rprop": lambda T, p: T.optim.Rprop(p, lr=0.05),
    "Rprop-etas-maximize": lambda T, p: T.optim.Rprop(p, lr=0.05, etas=(0.3, 1.5),
                                                      step_sizes=(0.01, 0.08), maximize=True),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_steps_match_torch(name, dtype):
    run = assert_parity(optimizer_program(CASES[name], dtype), **TOL[dtype])
    assert run.error is None, run.error
