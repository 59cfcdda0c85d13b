"""`Optax`: any optax `GradientTransformation` used as a `tg.optim` optimizer (SPEC §6).

    opt = tg.optim.Optax(model.parameters(), optax.adamw(1e-3))
    opt.zero_grad(); loss.backward(); opt.step()

Each step reads the parameters' `.grad`, runs the transformation's `update` (jitted once per
shapes) and adds the updates to the parameters in place under no_grad, so versions move as a
torch optimizer's do. The optax state lives in tapegrad tensors written in place, so the
optimizer works under `tg.compile` and `state_dict()` carries it. Differences from torch's
optimizers, by optax's design: the transformation sees every parameter of a group, so one
without a `.grad` gets a zero gradient (and still moves if the transformation has momentum);
learning rates live in the transformation (use optax schedules, not `tg.optim.lr_scheduler`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import jax
import jax.numpy as jnp

from .._compilation_cache import jit as _cc_jit
from .. import _x64
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, from_jax
from .optimizer import Optimizer, run_closure, step_with_hooks

__all__ = ["Optax"]


class Optax(Optimizer):
    """An optax `GradientTransformation` as a tapegrad optimizer (see the module docstring)."""

    def __init__(self, params: Iterable[Any], transformation: Any) -> None:
        if not (hasattr(transformation, "init") and hasattr(transformation, "update")):
            raise TypeError("tg.optim.Optax expects an optax GradientTransformation (with init "
                            f"and update), got {type(transformation).__name__}")
        super().__init__(params, {})
        self.transformation = transformation
        self._update = _cc_jit(transformation.update)
        self._optax_states: list[tuple[Any, list[Tensor]]] = []  # per group: (treedef, leaves)

    def _group_state(self, index: int) -> tuple[Any, list[Tensor]]:
        while len(self._optax_states) <= index:
            params = self.param_groups[len(self._optax_states)]["params"]
            state = self.transformation.init([p.jax() for p in params])
            leaves, treedef = jax.tree_util.tree_flatten(state)
            self._optax_states.append((treedef, [from_jax(a) for a in leaves]))
        return self._optax_states[index]

    @step_with_hooks
    @_x64.scoped
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter group by the transformation."""
        loss = run_closure(closure)
        with no_grad():
            for index, group in enumerate(self.param_groups):
                params = group["params"]
                treedef, tensors = self._group_state(index)
                grads = [p.grad.jax() if p.grad is not None else jnp.zeros_like(p.jax())
                         for p in params]
                state = jax.tree_util.tree_unflatten(treedef, [t.jax() for t in tensors])
                updates, state = self._update(grads, state, [p.jax() for p in params])
                for t, a in zip(tensors, jax.tree_util.tree_leaves(state)):
                    t.copy_(from_jax(a))
                for p, u in zip(params, updates):
                    p.add_(from_jax(u))
        return loss

    def state_dict(self) -> dict[str, Any]:
        """torch's layout plus `"optax_state"`: the transformation's state leaves per group."""
        packed = super().state_dict()
        packed["optax_state"] = [list(self._group_state(i)[1])
                                 for i in range(len(self.param_groups))]
        return packed

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        optax_state = state_dict.pop("optax_state", None)
        super().load_state_dict(state_dict)
        if optax_state is not None:
            with no_grad():
                for i, leaves in enumerate(optax_state):
                    for t, v in zip(self._group_state(i)[1], leaves):
                        t.copy_(v if isinstance(v, Tensor) else from_jax(jnp.asarray(v)))
