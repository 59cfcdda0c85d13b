# %% [markdown]
# # The seed programs, under torch and under tapegrad
#
# The programs of the articles on PyTorch autograd that tapegrad was built from (Chinese blog
# posts) ship with tapegrad: each is written once as `program(T)` in `tapegrad.testing.seeds`
# (`python -m tapegrad.parity` runs them all) and runs here with `T = torch` and
# `T = tapegrad`. The parity harness compares everything a user could see: prints, values,
# grads, graphs, versions, warnings and errors.

# %%
import torch  # noqa: F401  (the reference)

import tapegrad as tg
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
# The same graph as torchviz's `make_dot` draws it: leaves (blue) above their
# `AccumulateGrad` boxes, one grey box per backward node, the output (green) at the bottom,
# arrows from an input to its user. `tg.viz.draw` returns a picture that shows inline here;
# `.save("graph.svg")` (or `.png`, `.dot`) writes it to a file.

# %%
w = tg.tensor([1.0], requires_grad=True)
x = tg.tensor([2.0], requires_grad=True)
a = tg.add(w, x)
b = tg.add(w, 1)
y = tg.mul(a, b)
tg.viz.draw(y, params={"w": w, "x": x})

# %% [markdown]
# With `show_attrs=True, show_saved=True`, what the backward pass keeps: the table in a
# node's box lists the values it saved, and the saved tensors hang below it (orange):
# `MulBackward0` saved both of its inputs.

# %%
tg.viz.draw(y, params={"w": w, "x": x}, show_attrs=True, show_saved=True)

# %% [markdown]
# All the seed programs:

# %%
identical = 0
for program in PROGRAMS:
    diff, ref, got = compare(program)
    identical += diff is None
    print(f"{program.__name__:42s} {'identical' if diff is None else diff.splitlines()[0]}")
print(f"\n{identical}/{len(PROGRAMS)} identical to torch")
assert identical == len(PROGRAMS)
