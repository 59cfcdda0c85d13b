"""NOTE [Compilation cache]: tapegrad's kernels are cached on disk, so a second process reads
them instead of compiling; no JAX setting changes and a JAX user's own quick compiles are not
written. Each check runs in fresh interpreters with its own cache directory (issue 13 item 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

_PROGRAM = """
import json, jax
events = []
jax.monitoring.register_event_listener(lambda name, **kw: events.append(name))
import tapegrad as tg
from tapegrad import _compilation_cache as cc
before = {k: getattr(jax.config, k) for k in (
    "jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs",
    "jax_enable_compilation_cache")}
x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
loss = (x.sin() * x).sum() + x.softmax(1)[0, 1]
loss.backward()
m = tg.nn.Linear(2, 3)
m(x).relu().sum().backward()
after_work = {k: getattr(jax.config, k) for k in before}
files = lambda: sorted(f for f in os.listdir(cc.directory()) if not f.startswith(".")) if cc.directory() else []
n_tapegrad = len(files())
requests = events.count("/jax/compilation_cache/compile_requests_use_cache")
hits = events.count("/jax/compilation_cache/cache_hits")
# The user's own JAX program, outside tapegrad: compiles in well under JAX's 1 s threshold.
jax.jit(lambda a: jax.numpy.cos(a) * 3.0 + 1.0)(jax.numpy.ones(7))
print(json.dumps({
    "directory": cc.directory(), "before": before, "after": after_work,
    "files": n_tapegrad, "files_after_user_jit": len(files()),
    "requests": requests, "hits": hits,
    "grad": x.grad.tolist(), "loss": loss.item(),
}))
"""


def _run(env_extra: dict, program: str = _PROGRAM, prelude: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPEGRAD_", "JAX_"))}
    env.update(env_extra)
    code = "import os\n" + textwrap.dedent(prelude) + program
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_reads_tapegrad_kernels_and_no_jax_setting_changes(tmp_path):
    cache = tmp_path / "cache"
    first = _run({"TAPEGRAD_COMPILATION_CACHE": str(cache)})
    assert first["directory"] == str(cache)
    # Every kernel written, however quick its compile (a few compile to a program an earlier
    # kernel already wrote: those are hits within the first process).
    assert first["files"] > 5
    assert first["files"] + first["hits"] == first["requests"]
    # The JAX configuration a user reads is what it was: no directory, JAX's 1 s threshold.
    defaults = {"jax_compilation_cache_dir": None,
                "jax_persistent_cache_min_compile_time_secs": 1.0,
                "jax_enable_compilation_cache": True}
    assert first["before"] == first["after"] == defaults
    # The user's quick jit compiled outside tapegrad is not written (JAX's threshold applies).
    assert first["files_after_user_jit"] == first["files"]

    second = _run({"TAPEGRAD_COMPILATION_CACHE": str(cache)})
    assert second["hits"] == second["requests"] == first["requests"]  # none compiled again
    assert second["files"] == first["files"]
    assert (second["grad"], second["loss"]) == (first["grad"], first["loss"])


def test_turned_off_by_the_environment(tmp_path):
    out = _run({"TAPEGRAD_COMPILATION_CACHE": "0", "XDG_CACHE_HOME": str(tmp_path)})
    assert out["directory"] is None and out["hits"] == 0 and out["files"] == 0
    assert not (tmp_path / "tapegrad").exists()


def test_default_directory_is_under_the_user_cache_home(tmp_path):
    out = _run({"XDG_CACHE_HOME": str(tmp_path)})
    assert out["directory"] == str(tmp_path / "tapegrad" / "jax")
    assert out["files"] > 5


def test_a_directory_the_user_configured_wins(tmp_path):
    mine = tmp_path / "mine"
    prelude = f"""
    import jax
    jax.config.update("jax_compilation_cache_dir", {str(mine)!r})
    """
    out = _run({"XDG_CACHE_HOME": str(tmp_path / "home")}, prelude=prelude)
    assert out["directory"] is None  # tapegrad installed nothing
    assert out["before"]["jax_compilation_cache_dir"] == str(mine)
    assert not (tmp_path / "home" / "tapegrad").exists()


def test_entries_are_pruned_least_recently_used_first(tmp_path):
    from tapegrad import _compilation_cache as cc

    for i in range(10):
        f = tmp_path / f"k{i}-cache"
        f.write_bytes(b"x" * 1000)
        os.utime(f, (1000 + i, 1000 + i))
    (tmp_path / "other").write_bytes(b"y" * 5000)  # not an entry: left alone
    cc._prune(tmp_path, 5000)  # 10 000 bytes of entries -> under 4 000
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["k6-cache", "k7-cache", "k8-cache", "k9-cache", "other"]


def test_pruning_runs_at_most_once_a_day(tmp_path):
    from tapegrad import _compilation_cache as cc

    (tmp_path / "old-cache").write_bytes(b"x" * 2000)
    cc._maybe_prune(tmp_path, 1000)  # over the limit: pruned, and the time noted
    assert not (tmp_path / "old-cache").exists() and (tmp_path / ".pruned").exists()
    (tmp_path / "new-cache").write_bytes(b"x" * 2000)
    cc._maybe_prune(tmp_path, 1000)  # within the day: no scan
    assert (tmp_path / "new-cache").exists()
