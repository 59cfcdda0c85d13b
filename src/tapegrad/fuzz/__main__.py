"""`python -m tapegrad.fuzz --examples N [--seed S]`: a campaign of random autograd programs
under torch and tapegrad; each new kind of divergence is shrunk and printed as a reproducer."""

from __future__ import annotations

import argparse
import sys
import time

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed

from . import Program, check, programs, shrink


class Divergence(Exception):
    """A program whose observables differ (raised inside hypothesis so it shrinks it)."""

    def __init__(self, sig: str, program: Program, diff: str) -> None:
        super().__init__(sig)
        self.sig, self.program, self.diff = sig, program, diff


def campaign(examples: int, seed: int, max_steps: int = 10, out=sys.stdout) -> dict:
    """Run about `examples` programs; return {signature: Divergence} and print each one."""
    known: dict[str, Divergence] = {}
    counts = {"programs": 0, "runs": 0, "crashes": 0}
    start = time.time()
    rounds = 0
    while counts["programs"] < examples:
        rounds += 1
        state = {"failed": False}

        @settings(max_examples=examples - counts["programs"], database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink],
                  report_multiple_bugs=False)
        @hseed(seed * 1000 + rounds)
        @given(programs(max_steps=max_steps))
        def one(program: Program) -> None:
            counts["runs"] += 1
            if not state["failed"]:
                counts["programs"] += 1
                if counts["programs"] % 100 == 0:
                    print(f"# {counts['programs']} programs, {len(known)} divergences, "
                          f"{time.time() - start:.0f} s", file=out, flush=True)
            r = check(program)
            if r.diff and r.signature not in known:
                state["failed"] = True
                raise Divergence(r.signature, program, r.diff)

        try:
            one()
        except Divergence as d:
            program = shrink(d.program, d.sig)
            r = check(program)
            d.program, d.diff = program, r.diff or d.diff
            known[d.sig] = d
            print(f"\n# ---- divergence {len(known)}: {d.sig}\n# {d.diff.splitlines()[0]}\n"
                  f"{program.reproducer()}", file=out, flush=True)
        except Exception as exc:  # noqa: BLE001 - a fuzzer bug must not end the campaign
            counts["crashes"] += 1
            print(f"# fuzzer error: {type(exc).__name__}: {exc}", file=out, flush=True)
            if counts["crashes"] > 20:
                break
    print(f"# done: {counts['programs']} programs ({counts['runs']} runs with shrinking), "
          f"{len(known)} distinct divergences, {time.time() - start:.0f} s", file=out, flush=True)
    return known


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tapegrad.fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=10)
    args = parser.parse_args(argv)
    return 1 if campaign(args.examples, args.seed, args.max_steps) else 0


if __name__ == "__main__":
    sys.exit(main())
