"""tg.autograd.NestedIOFunction against torch's: the legacy class keeps torch's surface and
outcomes (its helpers work; calling it fails the way torch's does). torch's DeprecationWarning
on instantiating a Function is not reproduced (tapegrad.testing drops torch's
DeprecationWarnings), so the scenario compares warnings other than those."""

import warnings

import numpy as np
import torch
from torch.autograd.function import NestedIOFunction as TorchNested

import tapegrad as tg
from tapegrad.autograd.function import NestedIOFunction as TgNested


def _plain(x):
    if isinstance(x, (torch.Tensor, tg.Tensor)):
        return ("tensor", np.asarray(x.detach().numpy()).tolist())
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(i) for i in x])
    return x


def _outcome(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = ("ok", _plain(fn()))
        except Exception as e:  # noqa: BLE001
            out = (type(e).__name__, str(e).replace("torch.", "").replace("tapegrad.", ""))
    return out, [(c.category.__name__, str(c.message).split("'")[0]) for c in w
                 if not issubclass(c.category, DeprecationWarning)]


def _scenario(T, Base):
    class Pair(Base):
        def forward_extended(self, a, bs):
            return a * 2, (bs[0] + 1,)

        def backward_extended(self, ga, gb):
            return ga * 2, (gb[0], None)

    x = T.ones(2, requires_grad=True)
    y = T.full((2,), 3.0, requires_grad=True)
    res = [_outcome(lambda: type(Pair()).__name__)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f, g = Pair(), Pair()
    res.append(_outcome(lambda: f(x, (y,))))
    res.append(_outcome(lambda: Pair.apply(x, y)))
    g._nested_input = (x, (y,))
    res.append(_outcome(lambda: g.forward(x, y)))
    res.append((_plain(g._nested_output), hasattr(g, "_nested_input")))
    res.append(_outcome(lambda: g.backward(T.ones(2), T.ones(2))))
    g.save_for_backward(x, (y, None), [x])
    res.append((_plain(g.to_save), _plain(g._to_save_nested)))
    res.append(_outcome(lambda: g.saved_tensors))
    g.save_for_backward(None)
    res.append(_outcome(lambda: g.saved_tensors))
    res.append(_outcome(lambda: g.save_for_backward(x, 3)))
    res.append(_outcome(lambda: g.save_for_backward(x, "s")))
    g.mark_dirty(x, k=y)
    g.mark_non_differentiable((x,), [y])
    res.append((_plain(g.dirty_tensors), _plain(g.non_differentiable)))
    res.append(_outcome(lambda: g.mark_dirty(x, 2.5)))
    res.append(_outcome(lambda: g._do_backward((T.ones(2),), False)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = Base()
    res.append(_outcome(lambda: h.forward_extended(x)))
    res.append(_outcome(lambda: h.backward_extended(x)))
    h._nested_input = ((x, None), [y])
    res.append(_outcome(lambda: h.forward(x, y)))
    return res


def test_nested_io_function_matches_torch():
    assert _scenario(tg, TgNested) == _scenario(torch, TorchNested)
    assert tg.autograd.NestedIOFunction is TgNested

