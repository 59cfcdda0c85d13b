# %% [markdown]
# # The seed programs, under torch and under tapegrad
#
# Every program of the documents tapegrad came from (`../shared/seeds/`, Chinese blog posts on
# PyTorch autograd) is written once as `program(T)` in `tapegrad.testing.seeds` and run here
# with `T = torch` and `T = tapegrad`. The parity harness compares everything a user could see.

# %%
import torch  # noqa: F401  (the reference)

import tapegrad  # noqa: F401
from tapegrad.testing import compare
from tapegrad.testing.seeds import PROGRAMS

# %% [markdown]
# The graph of seed 001: `y = (w + x) * (w + 1)`, with `a.retain_grad()`.

# %%
from tapegrad.testing.seeds import seed001_graph_retain_grad

diff, ref, got = compare(seed001_graph_retain_grad)
print("torch:\n" + ref.stdout)
print("tapegrad:\n" + got.stdout)
print("first difference:", diff)

# %% [markdown]
# All of them:

# %%
identical = 0
for program in PROGRAMS:
    diff, ref, got = compare(program)
    identical += diff is None
    print(f"{program.__name__:42s} {'identical' if diff is None else diff.splitlines()[0]}")
print(f"\n{identical}/{len(PROGRAMS)} identical to torch")
assert identical == len(PROGRAMS)
