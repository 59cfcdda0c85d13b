"""op_db entries for the nn-modules helper family (embedding_bag; see op_db.py for the spec
language). torch.embedding_bag is ATen's form (weight first, a 4-tuple: output, offset2bag,
bag_size, max_indices); nn.functional.embedding_bag returns the output."""

from __future__ import annotations

from op_db import C, F, I, OpInfo, S

W = (6, 3)
IDX = I([1, 2, 4, 5, 4, 3, 2, 0])
OFF = I([0, 2, 2, 5])
_NO_DOUBLE = ("torch implements no derivative of _embedding_bag_backward (its "
              "EmbeddingBagBackwardBackward0 raises)")

OPS: list[OpInfo] = [
    OpInfo("embedding_bag", [
        S(F(W), IDX, OFF),
        S(F(W), IDX, OFF, False, 1, False, None, False, 2),
        S(F(W), IDX, OFF, False, 2, False, None, True, None),
        S(F(W), IDX, OFF, False, 0, False, F((8,)), False, -1),
    ], gradgradcheck=False, note=_NO_DOUBLE,
        errors=[S(F(W), IDX, OFF, False, 3), S(F(W), IDX, OFF, False, 1, False, F((8,))),
                S(I([[1, 2], [3, 4]]), IDX, OFF), S(F(W), IDX, OFF, False, 0, False, None,
                                                      False, 6)]),
    OpInfo("nn.functional.embedding_bag", [
        S(I([[1, 2, 0], [4, 4, 3]]), F(W)),
        S(IDX, F(W), OFF, mode="sum", per_sample_weights=F((8,))),
        S(IDX, F(W), OFF, mode="max", padding_idx=4),
        S(IDX, F(W), OFF, mode="mean", padding_idx=-4, include_last_offset=True),
        S(I([[1, 5], [2, 2]]), F(W), mode="sum", per_sample_weights=F((2, 2)), padding_idx=2),
    ], op="nn.functional.embedding_bag", gradgradcheck=False, note=_NO_DOUBLE,
        errors=[S(IDX, F(W), I([1, 2])), S(IDX, F(W), I([0, 9])), S(I([1, 6]), F(W), I([0])),
                S(I([1, -1]), F(W), I([0])), S(IDX, F(W), OFF, padding_idx=6),
                S(IDX, F(W), OFF, padding_idx=-7), S(IDX, F(W), OFF, per_sample_weights=F((8,))),
                S(IDX, F(W), OFF, mode="sum", per_sample_weights=F((7,))),
                S(IDX, F((6,)), OFF), S(I([[[1, 2], [3, 4]]]), F(W)),
                S(I([[1, 2], [3, 4]]), F(W), I([0, 1])), S(IDX, F(W)),
                S(IDX, F(W), I([[0, 2], [2, 5]])), S(IDX, F(W), OFF, mode="min"),
                S(IDX, F(W), OFF, mode="max", scale_grad_by_freq=True),
                S(F((8,)), F(W), OFF), S(IDX, F(W), F((4,)))]),
]

# scale_grad_by_freq: the gradient is scaled on purpose, so it is no derivative to gradcheck.
# torch's CPU kernel divides the k-th distinct index's gradient by the count of
# sorted_indices[k]; the values are compared against torch.
OPS += [
    OpInfo("embedding_bag_freq", [
        S(F(W), IDX, OFF, True, 0, False, F((8,)), False, -1),
        S(F(W), I([3, 3, 1, 0, 5, 5, 5, 2, 1]), I([0, 4, 6]), True, 1, False, None, False,
          None)], op="embedding_bag", gradcheck=False, gradgradcheck=False,
        note="scale_grad_by_freq scales the gradient (not a derivative)"),
    OpInfo("nn.functional.embedding_bag_freq", [
        S(IDX, F(W), OFF, mode="mean", padding_idx=-4, include_last_offset=True,
          scale_grad_by_freq=True)], op="nn.functional.embedding_bag", gradcheck=False,
        gradgradcheck=False, note="scale_grad_by_freq scales the gradient (not a derivative)"),
]

# ctc_loss: torch's gradient assumes normalized log-probabilities (exp(lp) - ...), so the
# samples go through log_softmax (where that gradient is the derivative) for gradcheck.
LP = (6, 2, 4)
CTC_T2 = I([[1, 2, 2], [3, 1, 0]])
_NO_CTC_DOUBLE = "torch implements no derivative of _ctc_loss_backward (a NotImplemented node)"


def _ctc(T, x, *a, **k):
    return T.nn.functional.ctc_loss(x.log_softmax(-1), *a, **k)


def _ctc_aten(T, x, *a):
    return T.ctc_loss(x.log_softmax(-1), *a)


OPS += [
    OpInfo("nn.functional.ctc_loss", [
        S(F(LP), CTC_T2, I([6, 5]), I([3, 2])),
        S(F(LP), I([1, 2, 2, 3, 1]), (6, 5), (3, 2), reduction="sum"),
        S(F(LP), I([[1, 0, 0], [3, 1, 0]]), I([6, 4]), I([1, 2]), blank=2, reduction="none"),
        S(F(LP), CTC_T2, I([6, 5]), I([0, 2]), reduction="none", zero_infinity=True),
        S(F((6, 4)), I([1, 2, 2]), I(6), I(3), reduction="none"),
    ], op="nn.functional.ctc_loss", fn=_ctc, gradgradcheck=False, note=_NO_CTC_DOUBLE,
        errors=[S(F(LP), CTC_T2, I([6, 5]), I([3, 2]), blank=4),
                S(F(LP), CTC_T2, I([6]), I([3, 2])), S(F(LP), CTC_T2, I([6, 5]), I([3, 2, 1])),
                S(F(LP), CTC_T2, I([7, 5]), I([3, 2])), S(F(LP), CTC_T2, I([6, 5]), I([4, 2])),
                S(F(LP), I([1, 2, 2, 3]), I([6, 5]), I([3, 2])),
                S(F(LP), I([[1, 2, 2]]), I([6, 5]), I([3, 2])),
                S(F((1,) + LP), CTC_T2, I([6, 5]), I([3, 2])),
                S(F(LP), CTC_T2, F((2,)), I([3, 2])),
                S(F(LP), CTC_T2, I([-1, 5]), I([3, 2])),
                S(F(LP), CTC_T2, I([6, 5]), I([3, 2]), reduction="bad")]),
    OpInfo("ctc_loss", [
        S(F(LP), CTC_T2, [6, 5], [3, 2]),
        S(F(LP), CTC_T2, I([6, 5]), I([3, 2]), 3, 1, True),
        S(F(LP), I([1, 2, 2, 3, 1]), (6, 5), (3, 2), 0, 2),
    ], fn=_ctc_aten, gradgradcheck=False, note=_NO_CTC_DOUBLE,
        errors=[S(I([[[1]]]), CTC_T2, [6, 5], [3, 2])]),
    OpInfo("ctc_loss_blank_last_target", [S(F(LP), CTC_T2, I([6, 5]), I([3, 2]), 1, 1, True)],
           op="ctc_loss", fn=_ctc_aten, gradcheck=False, gradgradcheck=False,
           note="a target ending in the blank label: torch's gradient drops a term (matched)"),
    OpInfo("nn.functional.ctc_loss_infinite", [
        S(F(LP), I([[1, 1, 1], [1, 2, 1]]), I([3, 6]), I([3, 3]), zero_infinity=True),
        S(F(LP), I([[1, 1, 1], [1, 2, 1]]), I([3, 6]), I([3, 3]), reduction="sum")],
        op="nn.functional.ctc_loss", fn=_ctc, gradcheck=False, gradgradcheck=False,
        note="an impossible alignment: an infinite loss (zeroed with zero_infinity)"),
]

# fractional max pooling, with the random samples given (torch's draws are not tapegrad's)
IMG7 = (2, 2, 5, 6)
VOL5 = (1, 1, 4, 5, 5)
S2 = C((2, 2, 2), 0.0, 1.0)
S3 = C((1, 1, 3), 0.0, 1.0)
OPS += [
    OpInfo("fractional_max_pool2d", [
        S(F(IMG7), 2, (3, 4), _random_samples=S2),
        S(F((2, 7, 6)), (3, 2), 3, _random_samples=C((1, 2, 2), 0.0, 1.0)),
        S(F(IMG7), (2, 3), output_ratio=(0.5, 0.7), return_indices=True, _random_samples=S2),
    ], errors=[S(F(IMG7), 2), S(F(IMG7), 2, output_ratio=0.5, _random_samples=S2),
               S(F(IMG7), 2, output_ratio=(0.5, 0.5, 0.5), _random_samples=S2),
               S(F(IMG7), 2, (5, 6), _random_samples=S2),
               S(F(IMG7), 2, (3, 4), _random_samples=C((1, 2, 2), 0.0, 1.0)),
               S(F(IMG7), 2, (3, 4), _random_samples=C((2, 2, 1), 0.0, 1.0)),
               S(F(IMG7), (2, 2, 2), (3, 4), _random_samples=S2),
               S(F(IMG7), 2, (3, 4, 1), _random_samples=S2)]),
    OpInfo("fractional_max_pool2d_with_indices", [S(F(IMG7), 2, (3, 4), _random_samples=S2)]),
    OpInfo("fractional_max_pool3d", [
        S(F(VOL5), 2, (2, 3, 3), _random_samples=S3),
        S(F((1, 4, 5, 5)), (2, 1, 3), output_ratio=(0.6, 0.8, 0.3), return_indices=True,
          _random_samples=S3),
    ], errors=[S(F(VOL5), 2), S(F(VOL5), 2, (4, 5, 5), _random_samples=S3),
               S(F(VOL5), 2, (2, 3, 3), _random_samples=C((1, 1, 2), 0.0, 1.0))]),
    OpInfo("fractional_max_pool3d_with_indices", [S(F(VOL5), 2, (2, 3, 3),
                                                    _random_samples=S3)]),
]
