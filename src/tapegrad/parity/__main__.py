"""`python -m tapegrad.parity`: run every seed program under torch and tapegrad and print a
per-area table (SPEC §7). Exit status 1 if any program differs. Needs torch (`test` extra)."""

from __future__ import annotations

import sys
from collections import defaultdict

from ..testing import compare
from ..testing.seeds import PROGRAMS

AREAS = {
    "000": "leaves and is_leaf", "001": "grads, retain_graph, gradient=, create_graph, "
    "accumulation, in-place", "002": "graph, retain_grad, grad_fn", "003": "requires_grad "
    "flow, _version, detach", "004": "pow/sum gradient, torch's TypeError",
}


def main() -> int:
    rows: dict[str, list] = defaultdict(list)
    firsts: dict[str, str] = {}
    for program in PROGRAMS:
        area = program.__name__[4:7]
        diff, _, _ = compare(program)
        rows[area].append(diff is None)
        if diff is not None and area not in firsts:
            firsts[area] = f"{program.__name__}: {diff.splitlines()[0]}"
    print("| seed document | area | programs | identical to torch | first difference |")
    print("|---|---|---:|---:|---|")
    ok = True
    for area in sorted(rows):
        results = rows[area]
        ok &= all(results)
        print(f"| {area} | {AREAS.get(area, '')} | {len(results)} | {sum(results)} | "
              f"{firsts.get(area, '')} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
