"""Matrix products: the table. `matmul` decomposes into these as torch's does."""

from __future__ import annotations

import jax.numpy as jnp

from ._op import Op

mm_op = Op("mm", "MmBackward0", lambda self, mat2: jnp.matmul(self, mat2),
        inputs=("self", "mat2"),
        derivatives={"self": lambda grad, mat2: grad.mm(mat2.t()),
                     "mat2": lambda grad, self: self.t().mm(grad)})
bmm_op = Op("bmm", "BmmBackward0", lambda self, mat2: jnp.matmul(self, mat2),
         inputs=("self", "mat2"),
         derivatives={"self": lambda grad, mat2: grad.bmm(mat2.transpose(1, 2)),
                      "mat2": lambda grad, self: self.transpose(1, 2).bmm(grad)})
mv_op = Op("mv", "MvBackward0", lambda self, vec: jnp.matmul(self, vec), inputs=("self", "vec"),
        derivatives={"self": lambda grad, vec: grad.unsqueeze(1).mm(vec.unsqueeze(0)),
                     "vec": lambda grad, self: self.t().mv(grad)})
dot_op = Op("dot", "DotBackward0", lambda self, tensor: jnp.dot(self, tensor),
         inputs=("self", "tensor"),
         derivatives={"self": lambda grad, tensor: grad * tensor,
                      "tensor": lambda grad, self: grad * self})


# torch's shape errors (RuntimeError with its text) before JAX would raise a TypeError.
def mm(self, mat2):
    """Matches `torch.mm`."""
    if self.ndim != 2 or mat2.ndim != 2 or self.shape[1] != mat2.shape[0]:
        if self.ndim == 2 and mat2.ndim == 2:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({self.shape[0]}x{self.shape[1]} "
                f"and {mat2.shape[0]}x{mat2.shape[1]})")
        raise RuntimeError(f"{'self' if self.ndim != 2 else 'mat2'} must be a matrix")
    return mm_op(self, mat2)


def bmm(self, mat2):
    """Matches `torch.bmm`."""
    if self.ndim == 3 and mat2.ndim == 3 and (
            mat2.shape[0] != self.shape[0] or mat2.shape[1] != self.shape[2]):
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{self.shape[0]}, {self.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return bmm_op(self, mat2)


def mv(self, vec):
    """Matches `torch.mv`."""
    if self.ndim == 2 and vec.ndim == 1 and self.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({self.shape[0]}), mat "
                           f"({self.shape[0]}x{self.shape[1]}), vec ({vec.shape[0]})")
    return mv_op(self, vec)


def dot(self, tensor):
    """Matches `torch.dot`."""
    if self.ndim == 1 and tensor.ndim == 1 and self.shape[0] != tensor.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{self.shape[0]}] and src "
            f"[{tensor.shape[0]}] to have the same number of elements, but got "
            f"{self.shape[0]} and {tensor.shape[0]} elements respectively")
    return dot_op(self, tensor)


def matmul(self, other):
    """Matrix product with torch's decomposition. Matches `torch.matmul`.

    torch: dot (1-D @ 1-D), mv, mm, unsqueeze-mm-squeeze_ (1-D @ 2-D), batch folded into rows
    and unfolded by _unsafe_view (N-D @ 1/2-D), else expand + view + bmm + _unsafe_view.
    """
    from .shape import squeeze_inplace_dim, unsafe_view

    a, b = self.ndim, other.ndim
    if a == 0 or b == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a}D and {b}D")
    if a == 1 and b == 1:
        return dot(self, other)
    if a == 2 and b == 1:
        return mv(self, other)
    if a == 1 and b == 2:
        return squeeze_inplace_dim(mm(self.unsqueeze(0), other), 0)
    if a == 2 and b == 2:
        return mm(self, other)
    if a >= 3 and b <= 2:
        rows = self.reshape(-1, self.shape[-1])
        out = mv(rows, other) if b == 1 else mm(rows, other)
        shape = tuple(self.shape[:-1]) + (() if b == 1 else (other.shape[-1],))
        return unsafe_view(out, shape)
    self2 = self.unsqueeze(0) if a == 1 else self
    other2 = other.unsqueeze(-1) if b == 1 else other
    batch = tuple(jnp.broadcast_shapes(tuple(self2.shape[:-2]), tuple(other2.shape[:-2])))
    n = 1
    for s in batch:
        n *= s
    x = self2.expand(batch + tuple(self2.shape[-2:])).reshape(n, *self2.shape[-2:])
    y = other2.expand(batch + tuple(other2.shape[-2:])).reshape(n, *other2.shape[-2:])
    out_shape = batch + (self2.shape[-2], other2.shape[-1])
    if a == 1:
        out_shape = batch + (other2.shape[-1],)
    if b == 1:
        out_shape = out_shape[:-1]
    return unsafe_view(bmm(x, y), out_shape)


# --------------------------------------------------------------------- decompositions
# Formulas torch writes with data-dependent branches (rank, pivots) are taken from jax.vjp via
# the generic path, keeping torch's node names; their double-backward graphs show generic nodes.
from .from_jax import JaxFunction  # noqa: E402

inv_op = Op("linalg_inv", "LinalgInvExBackward0", lambda A: jnp.linalg.inv(A), inputs=("A",),
            outputs=("inverse",), dtype_rule="keep",
            derivatives={"A": lambda grad, inverse: -(inverse.mT @ grad @ inverse.mT)})
det_fn = JaxFunction(jnp.linalg.det, name="linalg_det", node="LinalgDetBackward0",
                     grad_version=1)
solve_op = Op("linalg_solve", "LinalgSolveExBackward0", lambda A, B: jnp.linalg.solve(A, B),
              grad_version={"B": 1},
              inputs=("A", "B"), dtype_rule="promote",
              derivatives={"A": lambda grad, A, result: -(solve_op(A.mT, grad) @ result.mT),
                           "B": lambda grad, A: solve_op(A.mT, grad)})
cholesky_fn = JaxFunction(lambda A, upper: jnp.linalg.cholesky(A).mT if upper
                          else jnp.linalg.cholesky(A), name="linalg_cholesky",
                          node="LinalgCholeskyExBackward0")
qr_fn = JaxFunction(lambda A, mode: tuple(jnp.linalg.qr(A, mode=mode)), name="linalg_qr",
                    node="LinalgQrBackward0", grad_version=1)
svd_fn = JaxFunction(lambda A, full_matrices: tuple(jnp.linalg.svd(
    A, full_matrices=full_matrices)), name="linalg_svd", node="LinalgSvdBackward0")
einsum_fn_cache: dict = {}


def outer(self, vec2):
    """Matches `torch.outer` (a broadcast mul: MulBackward0)."""
    return self.reshape(-1, 1) * vec2


def einsum(equation: str, *operands):
    """Matches `torch.einsum` values and grads (its node is `EinsumBackward`, see README)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    fn = einsum_fn_cache.get(equation)
    if fn is None:
        fn = JaxFunction(lambda *ops: jnp.einsum(equation, *ops), name="einsum")
        einsum_fn_cache[equation] = fn
    return fn(*operands)
