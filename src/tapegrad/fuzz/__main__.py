"""`python -m tapegrad.fuzz --examples N [--seed S]`: a campaign of random autograd programs
under torch and tapegrad. Each new kind of divergence is shrunk (hypothesis, then by dropping
steps) and printed as a reproducer; instances of differences README lists are counted, and the
first of each is printed too."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import TextIO

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed

from . import Program, check, listed, programs, shrink

# Shrinking runs many programs; past this many in one round, keep the smallest failure found.
MAX_SHRINK_RUNS = 200


class Divergence(Exception):
    """A program whose observables differ (raised inside hypothesis so it shrinks it)."""

    def __init__(self, sig: str, program: Program, diff: str) -> None:
        super().__init__(sig)
        self.sig, self.program, self.diff = sig, program, diff


def campaign(examples: int, seed: int, max_steps: int = 10, out: TextIO = sys.stdout,
             last_program: str | None = None) -> dict:
    """Run about `examples` programs; print each divergence; return the counts.

    `last_program`: a file rewritten with each program's reproducer before it runs, so a
    program that crashes the interpreter (torch runs in this process) can be found."""
    known: dict[str, Divergence] = {}
    hits: Counter = Counter()
    listed_hits: Counter = Counter()
    counts = {"programs": 0, "runs": 0, "crashes": 0}
    start = time.time()
    rounds = 0

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    while counts["programs"] < examples:
        rounds += 1
        state: dict = {"best": None, "shrinks": 0}

        @settings(max_examples=examples - counts["programs"], database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink],
                  report_multiple_bugs=False)
        @hseed(seed * 1000 + rounds)
        @given(programs(max_steps=max_steps))
        def one(program: Program) -> None:
            counts["runs"] += 1
            best = state["best"]
            if best is not None:  # shrinking
                state["shrinks"] += 1
                if state["shrinks"] > MAX_SHRINK_RUNS:
                    if program.source() == best.program.source():
                        raise best
                    return
            else:
                counts["programs"] += 1
                if counts["programs"] % 100 == 0:
                    n_open = sum(1 for s in known if not s.startswith("listed: "))
                    say(f"# {counts['programs']} programs, {n_open} open kinds "
                        f"({sum(hits.values())} programs), listed {dict(listed_hits)}, "
                        f"{time.time() - start:.0f} s")
            if last_program is not None:
                with open(last_program, "w") as f:
                    f.write(program.reproducer())
            r = check(program)
            if not r.diff:
                return
            entry = listed(program, r.diff)
            if best is None:
                if entry is not None:
                    listed_hits[entry.name] += 1
                    if listed_hits[entry.name] > 1:
                        return
                    sig = "listed: " + entry.name
                else:
                    sig = r.signature
                    hits[sig] += 1
                    if sig in known:
                        return
            else:
                sig = best.sig
                if (entry is not None) != sig.startswith("listed: ") or \
                        (entry is None and r.signature != sig):
                    return
            state["best"] = Divergence(sig, program, r.diff)
            raise state["best"]

        try:
            one()
        except Divergence as d:
            program = d.program if d.sig.startswith("listed: ") else shrink(d.program, d.sig)
            r = check(program)
            d.program, d.diff = program, r.diff or d.diff
            known[d.sig] = d
            say(f"\n# ---- divergence {len(known)}: {d.sig}\n# {d.diff.splitlines()[0]}\n"
                f"{program.reproducer()}")
        except Exception as exc:  # noqa: BLE001 - a fuzzer bug must not end the campaign
            counts["crashes"] += 1
            best = state["best"]
            if best is not None:
                # A program that diverged once and not when replayed (state kept between
                # programs, e.g. a warn-once): print it, it is a finding too.
                known[best.sig] = best
                say(f"\n# ---- flaky divergence ({type(exc).__name__}): {best.sig}\n"
                    f"# {best.diff.splitlines()[0]}\n{best.program.reproducer()}")
                continue
            say(f"# fuzzer error: {type(exc).__name__}: {str(exc)[:300]}")
            if counts["crashes"] > 20:
                break
    n_open = sum(1 for s in known if not s.startswith("listed: "))
    say(f"# done: {counts['programs']} programs ({counts['runs']} runs with shrinking) in "
        f"{time.time() - start:.0f} s; {n_open} open kinds of divergence in "
        f"{sum(hits.values())} programs; listed differences: {dict(listed_hits)}")
    for sig, n in hits.most_common():
        say(f"#   {n:5d}  {sig}")
    return {"programs": counts["programs"], "open": dict(hits), "listed": dict(listed_hits)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tapegrad.fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=10)
    parser.add_argument("--last-program", default=None,
                        help="file rewritten with each program before it runs (crash triage)")
    args = parser.parse_args(argv)
    result = campaign(args.examples, args.seed, args.max_steps,
                      last_program=args.last_program)
    return 1 if result["open"] else 0


if __name__ == "__main__":
    sys.exit(main())
