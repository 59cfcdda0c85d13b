"""The deprecation warnings of the legacy linear-algebra names (ops/linalg_legacy.py): torch
warns once per process (TORCH_WARN_ONCE), before or after its argument checks; tapegrad must
warn on the same calls. Each side runs one scripted sequence in a fresh process (the once-flags
are per process), error calls first."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = r'''
import sys, warnings, importlib
import numpy as np
T = importlib.import_module(sys.argv[1])
d = T.float64
def mk(*shape, spd=False):
    a = np.random.default_rng(0).uniform(-1, 1, shape)
    if spd:
        a = a @ a.T + np.eye(shape[0])
    return T.tensor(a, dtype=d)
A = mk(3, 3) + T.eye(3, dtype=d) * 3
calls = [
    ("chol_err", lambda: T.cholesky(mk(4))), ("chol", lambda: T.cholesky(mk(3, 3, spd=True))),
    ("chol_m", lambda: mk(3, 3, spd=True).cholesky()),
    ("qr_err", lambda: T.qr(mk(4))), ("qr", lambda: T.qr(A)), ("qr_m", lambda: A.qr()),
    ("lu_err", lambda: T.lu(mk(4))), ("lu", lambda: T.lu(A)), ("lu_m", lambda: A.lu()),
    ("lus_err", lambda: T.lu_solve(mk(3, 2), A, T.tensor([1, 2, 3]))),
    ("lus", lambda: T.lu_solve(mk(3, 2), *T.linalg.lu_factor(A))),
    ("lus_m", lambda: mk(3, 2).lu_solve(*T.linalg.lu_factor(A))),
    ("tri_err", lambda: T.triangular_solve(mk(3), A)), ("tri", lambda: T.triangular_solve(mk(3, 2), A)),
    ("tri_m", lambda: mk(3, 2).triangular_solve(A)),
    ("frob_err", lambda: T.frobenius_norm(mk(3, 4), (0, 1, 1))),
    ("frob", lambda: T.frobenius_norm(mk(3, 4), (0, 1))),
    ("nucd_err", lambda: T.nuclear_norm(mk(4), (0, 1))), ("nuc", lambda: T.nuclear_norm(mk(3, 4))),
    ("adj0", lambda: T.adjoint(mk(1).sum())), ("adj0m", lambda: mk(1).sum().adjoint()),
]
for name, f in calls:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            f()
            err = None
        except Exception as e:
            err = type(e).__name__
    texts = [str(x.message).split(" (Triggered internally")[0] for x in w]
    print(repr((name, err, [(x.category.__name__, t) for x, t in zip(w, texts)])))
'''


def _run(module: str) -> list[str]:
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", SCRIPT, module], capture_output=True, text=True,
                         env=env, timeout=300, check=True)
    return out.stdout.splitlines()


def test_deprecation_warnings_match_torch():
    ref, got = _run("torch"), _run("tapegrad")
    assert len(ref) == len(got)
    for r, g in zip(ref, got):
        assert r == g
