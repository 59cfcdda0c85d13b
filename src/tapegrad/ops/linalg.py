"""Matrix products: the table. `matmul` decomposes into these as torch's does."""

from __future__ import annotations

import jax.numpy as jnp

from ._op import Op

mm = Op("mm", "MmBackward0", lambda self, mat2: jnp.matmul(self, mat2),
        inputs=("self", "mat2"),
        derivatives={"self": lambda grad, mat2: grad.mm(mat2.t()),
                     "mat2": lambda grad, self: self.t().mm(grad)})
bmm = Op("bmm", "BmmBackward0", lambda self, mat2: jnp.matmul(self, mat2),
         inputs=("self", "mat2"),
         derivatives={"self": lambda grad, mat2: grad.bmm(mat2.transpose(1, 2)),
                      "mat2": lambda grad, self: self.transpose(1, 2).bmm(grad)})
mv = Op("mv", "MvBackward0", lambda self, vec: jnp.matmul(self, vec), inputs=("self", "vec"),
        derivatives={"self": lambda grad, vec: grad.unsqueeze(1).mm(vec.unsqueeze(0)),
                     "vec": lambda grad, self: self.t().mv(grad)})
dot = Op("dot", "DotBackward0", lambda self, tensor: jnp.dot(self, tensor),
         inputs=("self", "tensor"),
         derivatives={"self": lambda grad, tensor: grad * tensor,
                      "tensor": lambda grad, self: grad * self})


def matmul(self, other):
    """Matrix product with torch's decomposition (dot, mv, mm, bmm). Matches `torch.matmul`."""
    a, b = self.ndim, other.ndim
    if a == 0 or b == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a}D and {b}D")
    if a == 1 and b == 1:
        return dot(self, other)
    if a == 2 and b == 1:
        return mv(self, other)
    if a == 1 and b == 2:
        return mm(self.unsqueeze(0), other).squeeze(0)
    if a == 2 and b == 2:
        return mm(self, other)
    if a >= 3 and b <= 2:
        # torch folds the batch into rows: view -> mm -> _unsafe_view.
        other2 = other.unsqueeze(1) if b == 1 else other
        rows = self.reshape(-1, self.shape[-1])
        out = mm(rows, other2)
        shape = tuple(self.shape[:-1]) + (() if b == 1 else (other.shape[-1],))
        return out.reshape(shape)
    # Batched with broadcasting: expand both batches, fold into bmm, unfold.
    self2 = self.unsqueeze(0) if a == 1 else self
    other2 = other.unsqueeze(-1) if b == 1 else other
    batch = tuple(jnp.broadcast_shapes(tuple(self2.shape[:-2]), tuple(other2.shape[:-2])))
    n = 1
    for s in batch:
        n *= s
    x = self2.expand(batch + tuple(self2.shape[-2:])).reshape(n, *self2.shape[-2:])
    y = other2.expand(batch + tuple(other2.shape[-2:])).reshape(n, *other2.shape[-2:])
    out = bmm(x, y).reshape(batch + (self2.shape[-2], other2.shape[-1]))
    if a == 1:
        out = out.squeeze(-2)
    if b == 1:
        out = out.squeeze(-1)
    return out
