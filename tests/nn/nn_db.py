"""ModuleInfo-lite: for each layer and loss, how to build it under torch or tapegrad, and inputs.

A case builds a module with `make(T)`, fills every floating parameter and buffer with the same
seeded values under both frameworks (through `load_state_dict`, so both start equal), calls it
on inputs made from specs, and backpropagates a seeded gradient. Input specs: `F(shape)` a float
tensor requiring grad, `C(shape)` a float constant, `P(shape)` probabilities in (0, 1) (no
grad), `I(values)` an int64 tensor, `B(values)` a bool tensor. Shapes come from a small pool so
JAX compiles little.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class F:
    shape: tuple
    low: float = -2.0
    high: float = 2.0
    requires_grad: bool = True


def C(shape, low=-2.0, high=2.0):  # noqa: N802
    return F(shape, low, high, requires_grad=False)


def P(shape):  # noqa: N802
    return F(shape, 0.05, 0.95, requires_grad=False)


def Pg(shape):  # noqa: N802 - probabilities that require grad (BCE input)
    return F(shape, 0.05, 0.95)


@dataclass(frozen=True)
class I:  # noqa: E742
    values: Any


@dataclass(frozen=True)
class B:
    values: Any


@dataclass
class Case:
    name: str
    make: Callable  # make(T) -> module
    inputs: tuple
    call: Callable | None = None  # call(T, module, *inputs) -> output(s); default module(*inputs)
    train: bool = True
    tags: tuple = field(default_factory=tuple)


def make_inputs(T, specs, dtype, rng):
    out = []
    for spec in specs:
        if isinstance(spec, F):
            data = rng.uniform(spec.low, spec.high, size=spec.shape)
            out.append(T.tensor(data, dtype=dtype, requires_grad=spec.requires_grad))
        elif isinstance(spec, I):
            out.append(T.tensor(spec.values, dtype=T.int64))
        elif isinstance(spec, B):
            out.append(T.tensor(spec.values, dtype=T.bool))
        else:
            out.append(spec)
    return out


def fill_state(T, module, rng) -> None:
    """Give every floating parameter/buffer seeded values, identically under torch and tapegrad."""
    state = module.state_dict()
    new = {}
    for key in sorted(state):
        value = state[key]
        if not value.dtype.is_floating_point:
            new[key] = value
            continue
        low, high = (0.5, 1.5) if key.endswith("running_var") else (-0.6, 0.6)
        data = rng.uniform(low, high, size=tuple(value.shape))
        new[key] = T.tensor(data, dtype=value.dtype)
    module.load_state_dict(new)


def flat_outputs(result) -> list:
    if isinstance(result, (tuple, list)):
        items = []
        for r in result:
            items.extend(flat_outputs(r))
        return items
    return [result]


# Shapes: a batch of 4 vectors of 5, a batch of 2 images 3x6x6, sequences (2, 3, 8).
V = (4, 5)
IMG = (2, 3, 6, 6)
SEQ = (2, 3, 8)
TGT = I([0, 2, 1, 4])          # class indices for (4, 5) logits
TGT_IGN = I([0, -100, 1, 4])   # with an ignored entry
TGT_2D = I([[[0, 1, 2, 0, 1, 2]] * 6, [[2, 2, 1, 1, 0, 0]] * 6])  # (2, 6, 6) for (2, 3, 6, 6)
W5 = C((5,), 0.2, 1.5)          # class weights


def _loss_cases() -> list[Case]:
    cases = []
    for red in ("mean", "sum", "none"):
        cases += [
            Case(f"MSELoss-{red}", lambda T, r=red: T.nn.MSELoss(reduction=r), (F(V), C(V))),
            Case(f"MSELoss-target-grad-{red}", lambda T, r=red: T.nn.MSELoss(reduction=r),
                 (F(V), F(V))),
            Case(f"L1Loss-{red}", lambda T, r=red: T.nn.L1Loss(reduction=r), (F(V), C(V))),
            Case(f"SmoothL1Loss-{red}", lambda T, r=red: T.nn.SmoothL1Loss(reduction=r,
                                                                           beta=0.7),
                 (F(V), F(V))),
            Case(f"SmoothL1Loss-beta0-{red}",
                 lambda T, r=red: T.nn.SmoothL1Loss(reduction=r, beta=0.0), (F(V), C(V))),
            Case(f"HuberLoss-{red}", lambda T, r=red: T.nn.HuberLoss(reduction=r, delta=0.8),
                 (F(V), F(V))),
            Case(f"CrossEntropyLoss-{red}", lambda T, r=red: T.nn.CrossEntropyLoss(reduction=r),
                 (F(V), TGT)),
            Case(f"CrossEntropyLoss-weight-ignore-{red}",
                 lambda T, r=red: T.nn.CrossEntropyLoss(reduction=r),
                 (F(V), TGT_IGN, W5), call=lambda T, m, x, t, w: T.nn.functional.cross_entropy(
                     x, t, weight=w, reduction=m.reduction)),
            Case(f"CrossEntropyLoss-smoothing-{red}",
                 lambda T, r=red: T.nn.CrossEntropyLoss(reduction=r, label_smoothing=0.1),
                 (F(V), TGT_IGN)),
            Case(f"CrossEntropyLoss-smoothing-weight-{red}",
                 lambda T, r=red: T.nn.CrossEntropyLoss(reduction=r, label_smoothing=0.2),
                 (F(V), TGT_IGN, W5), call=lambda T, m, x, t, w: T.nn.functional.cross_entropy(
                     x, t, weight=w, reduction=m.reduction, label_smoothing=0.2)),
            Case(f"CrossEntropyLoss-probs-{red}",
                 lambda T, r=red: T.nn.CrossEntropyLoss(reduction=r), (F(V), P(V))),
            Case(f"CrossEntropyLoss-probs-smoothing-weight-{red}",
                 lambda T, r=red: T.nn.CrossEntropyLoss(reduction=r, label_smoothing=0.3),
                 (F(V), P(V), W5), call=lambda T, m, x, p, w: T.nn.functional.cross_entropy(
                     x, p, weight=w, reduction=m.reduction, label_smoothing=0.3)),
            Case(f"CrossEntropyLoss-2d-{red}",
                 lambda T, r=red: T.nn.CrossEntropyLoss(reduction=r), (F(IMG), TGT_2D)),
            Case(f"NLLLoss-{red}", lambda T, r=red: T.nn.NLLLoss(reduction=r), (F(V), TGT_IGN)),
            Case(f"NLLLoss-weight-{red}", lambda T, r=red: T.nn.NLLLoss(reduction=r),
                 (F(V), TGT_IGN, W5), call=lambda T, m, x, t, w: T.nn.functional.nll_loss(
                     x, t, weight=w, reduction=m.reduction)),
            Case(f"BCELoss-{red}", lambda T, r=red: T.nn.BCELoss(reduction=r), (Pg(V), P(V))),
            Case(f"BCELoss-weight-{red}", lambda T, r=red: T.nn.BCELoss(reduction=r),
                 (Pg(V), P(V), C((5,), 0.2, 1.5)),
                 call=lambda T, m, x, t, w: T.nn.functional.binary_cross_entropy(
                     x, t, weight=w, reduction=m.reduction)),
            Case(f"BCEWithLogitsLoss-{red}", lambda T, r=red: T.nn.BCEWithLogitsLoss(
                reduction=r), (F(V), P(V))),
            Case(f"BCEWithLogitsLoss-weights-{red}", lambda T, r=red: T.nn.BCEWithLogitsLoss(
                reduction=r), (F(V), F(V, 0.05, 0.95), C((5,), 0.2, 1.5), C((5,), 0.5, 2.0)),
                call=lambda T, m, x, t, w, pw: T.nn.functional.binary_cross_entropy_with_logits(
                    x, t, weight=w, pos_weight=pw, reduction=m.reduction)),
            Case(f"KLDivLoss-{red}", lambda T, r=red: T.nn.KLDivLoss(reduction=r),
                 (F(V), P(V)), tags=("warns",) if red == "mean" else ()),
            Case(f"KLDivLoss-log-target-{red}",
                 lambda T, r=red: T.nn.KLDivLoss(reduction=r, log_target=True),
                 (F(V), F(V, -3.0, -0.1)), tags=("warns",) if red == "mean" else ()),
        ]
    cases += [
        Case("KLDivLoss-batchmean", lambda T: T.nn.KLDivLoss(reduction="batchmean"),
             (F(V), P(V))),
        Case("NLLLoss-1d", lambda T: T.nn.NLLLoss(), (F((5,)), I(3))),
        Case("NLLLoss-3d-none", lambda T: T.nn.NLLLoss(reduction="none"),
             (F(SEQ), I([[0, 1, 2] * 2 + [0, 1]] * 2))),
    ]
    return cases


CASES: list[Case] = [
    # ----------------------------------------------------------- linear
    Case("Linear", lambda T: T.nn.Linear(5, 3), (F(V),)),
    Case("Linear-nobias", lambda T: T.nn.Linear(5, 3, bias=False), (F(V),)),
    Case("Linear-1d", lambda T: T.nn.Linear(5, 3), (F((5,)),)),
    Case("Linear-1d-nobias", lambda T: T.nn.Linear(5, 3, bias=False), (F((5,)),)),
    Case("Linear-3d", lambda T: T.nn.Linear(8, 3), (F(SEQ),)),
    Case("Linear-3d-nobias", lambda T: T.nn.Linear(8, 3, bias=False), (F(SEQ),)),
    Case("Linear-const-input", lambda T: T.nn.Linear(5, 3), (C(V),)),
    Case("Bilinear", lambda T: T.nn.Bilinear(5, 4, 3), (F(V), F((4, 4)))),
    Case("Identity", lambda T: T.nn.Identity(), (F(V),)),
    # ----------------------------------------------------------- convolution
    Case("Conv2d", lambda T: T.nn.Conv2d(3, 4, 3), (F(IMG),)),
    Case("Conv2d-stride-pad-dil", lambda T: T.nn.Conv2d(3, 4, (3, 2), stride=(2, 1),
                                                        padding=(1, 2), dilation=(1, 2)),
         (F(IMG),)),
    Case("Conv2d-groups-nobias", lambda T: T.nn.Conv2d(4, 6, 3, groups=2, bias=False),
         (F((2, 4, 6, 6)),)),
    # torch warns once per process here (TORCH_WARN_ONCE), and so does tapegrad.
    Case("Conv2d-same", lambda T: T.nn.Conv2d(3, 2, 4, padding="same"), (F(IMG),),
         tags=("warns_once",)),
    Case("Conv2d-valid", lambda T: T.nn.Conv2d(3, 2, 3, padding="valid"), (F(IMG),)),
    Case("Conv2d-unbatched", lambda T: T.nn.Conv2d(3, 2, 3, padding=1), (F((3, 6, 6)),)),
    Case("Conv1d", lambda T: T.nn.Conv1d(3, 4, 3, stride=2, padding=1), (F(SEQ),)),
    Case("Conv1d-dilation-groups", lambda T: T.nn.Conv1d(3, 3, 2, dilation=2, groups=3),
         (F(SEQ),)),
    # ----------------------------------------------------------- pooling
    Case("MaxPool2d", lambda T: T.nn.MaxPool2d(2), (F(IMG),)),
    Case("MaxPool2d-overlap-pad", lambda T: T.nn.MaxPool2d(3, stride=2, padding=1), (F(IMG),)),
    Case("MaxPool2d-ceil-dilation", lambda T: T.nn.MaxPool2d(2, stride=2, dilation=2,
                                                             ceil_mode=True), (F((2, 3, 7, 7)),)),
    Case("MaxPool2d-indices", lambda T: T.nn.MaxPool2d(2, return_indices=True), (F(IMG),)),
    Case("MaxPool2d-ties", lambda T: T.nn.MaxPool2d(2, stride=1), (F((1, 1, 4, 4), 1.0, 1.0),)),
    Case("AvgPool2d", lambda T: T.nn.AvgPool2d(2), (F(IMG),)),
    Case("AvgPool2d-pad-exclude", lambda T: T.nn.AvgPool2d(3, stride=2, padding=1,
                                                           count_include_pad=False), (F(IMG),)),
    Case("AvgPool2d-pad-include-ceil", lambda T: T.nn.AvgPool2d(3, stride=2, padding=1,
                                                                ceil_mode=True),
         (F((2, 3, 7, 7)),)),
    Case("AvgPool2d-divisor", lambda T: T.nn.AvgPool2d(2, divisor_override=3), (F(IMG),)),
    Case("AdaptiveAvgPool2d-1", lambda T: T.nn.AdaptiveAvgPool2d(1), (F(IMG),)),
    Case("AdaptiveAvgPool2d-4x3", lambda T: T.nn.AdaptiveAvgPool2d((4, 3)), (F(IMG),)),
    Case("AdaptiveAvgPool2d-None", lambda T: T.nn.AdaptiveAvgPool2d((None, 4)), (F(IMG),)),
    # ----------------------------------------------------------- normalization
    Case("BatchNorm1d", lambda T: T.nn.BatchNorm1d(5), (F(V),)),
    Case("BatchNorm1d-3d", lambda T: T.nn.BatchNorm1d(3), (F(SEQ),)),
    Case("BatchNorm1d-eval", lambda T: T.nn.BatchNorm1d(5), (F(V),), train=False),
    Case("BatchNorm2d", lambda T: T.nn.BatchNorm2d(3, momentum=0.3), (F(IMG),)),
    Case("BatchNorm2d-eval", lambda T: T.nn.BatchNorm2d(3), (F(IMG),), train=False),
    Case("BatchNorm2d-cumulative", lambda T: T.nn.BatchNorm2d(3, momentum=None), (F(IMG),),
         call=lambda T, m, x: (m(x), m(x * 2))),
    Case("BatchNorm2d-noaffine", lambda T: T.nn.BatchNorm2d(3, affine=False), (F(IMG),)),
    Case("BatchNorm2d-nostats", lambda T: T.nn.BatchNorm2d(3, track_running_stats=False),
         (F(IMG),)),
    Case("BatchNorm2d-nostats-eval", lambda T: T.nn.BatchNorm2d(3, track_running_stats=False),
         (F(IMG),), train=False),
    Case("LayerNorm", lambda T: T.nn.LayerNorm(8), (F(SEQ),)),
    Case("LayerNorm-2d-shape", lambda T: T.nn.LayerNorm((3, 8), eps=1e-3), (F(SEQ),)),
    Case("LayerNorm-noaffine", lambda T: T.nn.LayerNorm(8, elementwise_affine=False),
         (F(SEQ),)),
    Case("LayerNorm-nobias", lambda T: T.nn.LayerNorm(8, bias=False), (F(SEQ),)),
    Case("GroupNorm", lambda T: T.nn.GroupNorm(2, 4), (F((2, 4, 3, 3)),)),
    Case("GroupNorm-noaffine", lambda T: T.nn.GroupNorm(3, 3, affine=False), (F(IMG),)),
    Case("GroupNorm-3d", lambda T: T.nn.GroupNorm(1, 3), (F(SEQ),)),
    # ----------------------------------------------------------- embedding
    Case("Embedding", lambda T: T.nn.Embedding(6, 3), (I([[0, 2, 2], [5, 1, 2]]),)),
    Case("Embedding-padding", lambda T: T.nn.Embedding(6, 3, padding_idx=2),
         (I([[0, 2, 2], [5, 1, 2]]),)),
    Case("Embedding-scale-freq", lambda T: T.nn.Embedding(6, 3, scale_grad_by_freq=True),
         (I([0, 2, 2, 5, 2]),)),
    # ----------------------------------------------------------- activations, shape
    Case("ReLU", lambda T: T.nn.ReLU(), (F(V),)),
    Case("GELU", lambda T: T.nn.GELU(), (F(V),)),
    Case("GELU-tanh", lambda T: T.nn.GELU("tanh"), (F(V),)),
    Case("SiLU", lambda T: T.nn.SiLU(), (F(V),)),
    Case("Tanh", lambda T: T.nn.Tanh(), (F(V),)),
    Case("Sigmoid", lambda T: T.nn.Sigmoid(), (F(V),)),
    Case("LeakyReLU", lambda T: T.nn.LeakyReLU(0.2), (F(V),)),
    Case("ELU", lambda T: T.nn.ELU(0.5), (F(V),)),
    Case("Softplus", lambda T: T.nn.Softplus(), (F(V),)),
    Case("Softmax", lambda T: T.nn.Softmax(dim=1), (F(V),)),
    Case("LogSoftmax", lambda T: T.nn.LogSoftmax(dim=-1), (F(SEQ),)),
    Case("Softmax-implicit-dim", lambda T: T.nn.Softmax(), (F(V),), tags=("warns",)),
    Case("Flatten", lambda T: T.nn.Flatten(), (F(IMG),)),
    Case("Flatten-range", lambda T: T.nn.Flatten(0, 2), (F(IMG),)),
    Case("Unflatten", lambda T: T.nn.Unflatten(2, (2, 4)), (F(SEQ),)),
    Case("Dropout-eval", lambda T: T.nn.Dropout(0.5), (F(V),), train=False),
    Case("Dropout-p0", lambda T: T.nn.Dropout(0.0), (F(V),)),
    # ----------------------------------------------------------- attention
    Case("MultiheadAttention-self", lambda T: T.nn.MultiheadAttention(8, 2), (F(SEQ),),
         call=lambda T, m, x: m(x, x, x)),
    Case("MultiheadAttention-batch-first-kv", lambda T: T.nn.MultiheadAttention(
        8, 2, batch_first=True), (F(SEQ), F((2, 4, 8))), call=lambda T, m, q, kv: m(q, kv, kv)),
    Case("MultiheadAttention-masks", lambda T: T.nn.MultiheadAttention(8, 4), (F(SEQ), F(SEQ),
         F(SEQ), B([[False, True], [False, False], [True, False]])),
         call=lambda T, m, q, k, v, kpm: m(q, k, v, key_padding_mask=kpm,
                                           average_attn_weights=False)),
    Case("MultiheadAttention-kdim-vdim", lambda T: T.nn.MultiheadAttention(
        8, 2, kdim=4, vdim=6), (F(SEQ), F((5, 3, 4)), F((5, 3, 6))),
        call=lambda T, m, q, k, v: m(q, k, v)),
    Case("MultiheadAttention-no-weights", lambda T: T.nn.MultiheadAttention(8, 2),
         (F(SEQ),), call=lambda T, m, x: m(x, x, x, need_weights=False)[0]),
    Case("scaled_dot_product_attention", lambda T: T.nn.Identity(),
         (F((2, 2, 3, 4)), F((2, 2, 5, 4)), F((2, 2, 5, 4))),
         call=lambda T, m, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v)),
    Case("scaled_dot_product_attention-causal-scale", lambda T: T.nn.Identity(),
         (F((2, 2, 3, 4)), F((2, 2, 5, 4)), F((2, 2, 5, 4))),
         call=lambda T, m, q, k, v: T.nn.functional.scaled_dot_product_attention(
             q, k, v, is_causal=True, scale=0.3)),
    Case("scaled_dot_product_attention-float-mask", lambda T: T.nn.Identity(),
         (F((2, 2, 3, 4)), F((2, 2, 5, 4)), F((2, 2, 5, 4)), C((3, 5))),
         call=lambda T, m, q, k, v, mask: T.nn.functional.scaled_dot_product_attention(
             q, k, v, attn_mask=mask)),
    # ----------------------------------------------------------- containers
    Case("Sequential-mlp", lambda T: T.nn.Sequential(T.nn.Linear(5, 6), T.nn.ReLU(),
                                                     T.nn.Linear(6, 2)), (F(V),)),
    Case("Sequential-cnn", lambda T: T.nn.Sequential(
        T.nn.Conv2d(3, 4, 3, padding=1), T.nn.BatchNorm2d(4), T.nn.ReLU(), T.nn.MaxPool2d(2),
        T.nn.Flatten(), T.nn.Linear(36, 3)), (F(IMG),)),
] + _loss_cases()
