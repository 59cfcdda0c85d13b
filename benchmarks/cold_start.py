"""Cold start (issue 13 item 2): a realistic workload of small programs in one fresh process.

The workload is every seed program (`tapegrad.testing.seeds`) and every tutorial recipe
(`tapegrad.testing.recipes`): 40 small programs, the kind a user runs as a script. Each variant
runs it in a fresh interpreter and reports the wall time from interpreter start to the end
(imports included):

- torch (1 thread);
- tapegrad, first process: an empty compilation-cache directory (NOTE [Compilation cache]);
- tapegrad, second process: the directory the first one filled;
- tapegrad with the persistent cache off (`TAPEGRAD_COMPILATION_CACHE=0`), every process.

Run: .venv/bin/python benchmarks/cold_start.py
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).parent
TESTING = HERE.parent / "src" / "tapegrad" / "testing"

# Loads the programs by file path, so the torch run does not import tapegrad.
_WORKER = r"""
import contextlib, importlib.util, io, sys, time, warnings
t0 = time.perf_counter()
if sys.argv[1] == "torch":
    import torch as T
    T.set_num_threads(1)
else:
    import tapegrad as T
progs = []
for name in ("seeds", "recipes"):
    spec = importlib.util.spec_from_file_location("_w_" + name, f"{sys.argv[2]}/{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    progs += mod.PROGRAMS
failed = 0
for p in progs:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            p(T)
        except Exception:
            failed += 1
print(len(progs), failed, time.perf_counter() - t0)
"""


def _run(which: str, env_extra: dict[str, str]) -> tuple[float, int, int]:
    env = dict(os.environ, **env_extra)
    start = __import__("time").perf_counter()
    out = subprocess.run([sys.executable, "-c", _WORKER, which, str(TESTING)], env=env,
                         capture_output=True, text=True, check=True)
    wall = __import__("time").perf_counter() - start  # interpreter start included
    n, failed, _ = out.stdout.split()
    return wall, int(n), int(failed)


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        runs = {
            "torch": ("torch", {}),
            "tapegrad, first process (empty cache)": ("tapegrad", {"TAPEGRAD_COMPILATION_CACHE": cache}),
            "tapegrad, second process (cache filled)": ("tapegrad", {"TAPEGRAD_COMPILATION_CACHE": cache}),
            "tapegrad, cache off": ("tapegrad", {"TAPEGRAD_COMPILATION_CACHE": "0"}),
        }
        results = {}
        for name, (which, env) in runs.items():
            wall, n, failed = _run(which, env)
            results[name] = wall
            print(f"# {name}: {wall:.2f} s ({n} programs, {failed} raised)", file=sys.stderr)
    print(f"### cold start: {n} small programs (seeds + tutorial recipes), one fresh process each\n")
    print("| variant | wall s | ratio vs torch |")
    print("|---|---:|---:|")
    for name, wall in results.items():
        print(f"| {name} | {wall:.2f} | {wall / results['torch']:.2f}x |")


if __name__ == "__main__":
    main()
