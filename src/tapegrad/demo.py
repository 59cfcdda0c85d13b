"""`python -m tapegrad.demo`: every seed program under torch and tapegrad, side by side.

Needs torch (the `test` extra) as the reference.
"""

from __future__ import annotations

import sys

from .testing import compare
from .testing.seeds import PROGRAMS


def _side_by_side(left: str, right: str, width: int = 48) -> list[str]:
    a, b = left.splitlines(), right.splitlines()
    rows = []
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else ""
        y = b[i] if i < len(b) else ""
        mark = "==" if x == y else "!="
        rows.append(f"  {x[:width]:<{width}} {mark} {y[:width]}")
    return rows


def main() -> int:
    passed = 0
    for program in PROGRAMS:
        diff, ref, got = compare(program)
        doc = (program.__doc__ or "").strip().splitlines()[0]
        print(f"## {program.__name__}: {doc}")
        print(f"  {'torch':<48}    tapegrad")
        out_ref = ref.stdout + (f"{ref.error[0]}: {ref.error[1][:60]}\n" if ref.error else "")
        out_got = got.stdout + (f"{got.error[0]}: {got.error[1][:60]}\n" if got.error else "")
        for w in ref.warnings[:1]:
            out_ref += f"{w[0]}: {w[1][:40]}...\n"
        for w in got.warnings[:1]:
            out_got += f"{w[0]}: {w[1][:40]}...\n"
        print("\n".join(_side_by_side(out_ref, out_got)))
        print(f"  parity: {'OK' if diff is None else 'DIFFERENT: ' + diff.splitlines()[0]}\n")
        passed += diff is None
    print(f"Parity summary: {passed}/{len(PROGRAMS)} seed programs identical to torch "
          "(stdout, return values, grads, grad_fn graphs, versions, warnings, errors).")
    return 0 if passed == len(PROGRAMS) else 1


if __name__ == "__main__":
    sys.exit(main())
