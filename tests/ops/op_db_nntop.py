"""op_db entries for the `torch.<name>` forms of nn operations (ATen's signatures: int
reductions, required positional arguments, `cudnn_enabled` flags); see op_db.py for the spec
language. The nn.functional forms keep their entries in op_db_nn.py.

Random layers are checked here on their deterministic paths (not training, p == 0, p == 1);
their masks are tapegrad's generator's (tests/nn/test_random.py checks their statistics).
"""

from __future__ import annotations

from op_db import B, C, F, I, M, OpInfo, S, V, Z  # noqa: F401

IMG = (2, 3, 6, 6)
SMALL_IMG = (1, 2, 4, 4)
X2, H2 = (2, 3), (2, 2)   # a cell's input and hidden state
SEQ = (2, 3, 8)
VOL = (1, 2, 4, 4, 4)
INT = S(I([1, 2, -3]))
PM1 = C((3,), -1.0, 1.0)  # a ±1 target after .sign()
# `.grad._version` follows torch's kernels (BCE's in-place backward, AccumulateGrad's clone of
# a transposed weight gradient), which tapegrad does not model (test_op_parity's note).
LAYOUT = ("grad_layout",)


def _signed(name, at=2):
    """A call of `T.<name>` with the argument at `at` replaced by its sign (a ±1 target)."""
    def call(T, *a, **kw):
        a = list(a)
        a[at] = a[at].sign()
        return getattr(T, name)(*a, **kw)
    return call


OPS: list[OpInfo] = [
    # ----------------------------------------------------------- activations
    OpInfo("top_selu", [S(F(M)), S(F(Z))], op="selu",
           errors=[INT, S(F(M), inplace=True)]),
    OpInfo("top_celu", [S(F(M)), S(F(V), 0.7)], op="celu",
           errors=[INT, S(F(M), 0.0), S(F(M), inplace=True)]),
    OpInfo("top_threshold", [S(F(M), 0.1, 2.0), S(F(V), -0.5, 0.0)], op="threshold",
           errors=[S(F(M), 0.1, 2.0, inplace=True)]),
    OpInfo("top_rrelu", [S(F(M)), S(F(V), 0.1, 0.3), S(F(M), training=False)], op="rrelu",
           errors=[S(F(M), 0.5, 0.1), INT, S(I([1, 2]), training=True)]),
    OpInfo("top_nnf_hardshrink", [S(F(M), 0.7)], op="hardshrink",
           fn=lambda T, x, lambd: T.nn.functional.hardshrink(x, lambd)),
    OpInfo("top_nnf_prelu", [S(F(M), F((4,)))], op="prelu",
           fn=lambda T, x, w: T.nn.functional.prelu(x, w)),
    # ----------------------------------------------------------- random layers (the
    # deterministic paths: not training, p == 0, p == 1)
    OpInfo("top_dropout", [S(F(M), 0.5, False), S(F(M), 0.0, True), S(F(M), 1.0, True),
                             S(F(V), p=0.3, train=False)], op="dropout",
           errors=[S(F(M), 1.5, True), S(F(M), -0.5, False)]),
    OpInfo("top_alpha_dropout", [S(F(M), 0.5, False), S(F(M), 0.0, True),
                                   S(F(M), 1.0, True)], op="alpha_dropout",
           errors=[S(F(M), 2.0, False)]),
    OpInfo("top_feature_dropout", [S(F((2, 3, 2)), 0.5, False), S(F((2, 3, 2)), 1.0, True)],
           op="feature_dropout", errors=[S(F(V), 0.5, True), S(F(IMG), 1.5, False)]),
    OpInfo("top_feature_alpha_dropout", [S(F((2, 3, 2)), 0.5, False),
                                         S(F((2, 3, 2)), 1.0, True)],
           op="feature_alpha_dropout", errors=[S(F(V), 0.5, True)]),
    # ----------------------------------------------------------- losses (int reductions;
    # the Python default is 0, none; values other than 1 and 2 are none too)
    OpInfo("top_kl_div", [S(F(M), C(M, 0.1, 1.0)), S(F(M), C(M, 0.1, 1.0), 1),
                            S(F(M), F(M), 2, log_target=True), S(F(M), C(V, 0.1, 1.0), 5)],
           op="kl_div", errors=[S(F(M), C((2, 4), 0.1, 1.0)), S(F(M), C(M), "mean"),
                                  S(F(M), C(M), True)]),
    OpInfo("top_binary_cross_entropy_with_logits",
           [S(F(M), C(M, 0.0, 1.0)), S(F(M), C(M, 0.0, 1.0), C(M, 0.5, 1.5), C(V, 0.5, 2.0), 1),
            S(F(M), C(M, 0.0, 1.0), None, None, 2)],
           op="binary_cross_entropy_with_logits", tags=LAYOUT,
           errors=[S(F(M), C((1, 4), 0.0, 1.0)), S(F(M), C((2, 4), 0.0, 1.0)),
                   S(F(M), C(M), None, None, "sum")]),
    OpInfo("top_cosine_embedding_loss", [S(F(M), F(M), PM1), S(F(M), F(M), PM1, 0.1, 1)],
           op="cosine_embedding_loss", fn=_signed("cosine_embedding_loss"),
           errors=[S(F(M), F(M), C(M)), S(F(M), F(V), PM1)]),
    OpInfo("top_hinge_embedding_loss", [S(F(M), C(M)), S(F(M), C(M), 0.7, 2)],
           op="hinge_embedding_loss", fn=_signed("hinge_embedding_loss", 1)),
    OpInfo("top_margin_ranking_loss", [S(F(V), F(V), C(V)), S(F(M), F(M), C(M), 0.5, 2),
                                         S(F(M), F(M), C(V), 0.1, 1)],
           op="margin_ranking_loss", errors=[S(F(V), F(V), C(V), 0.0, 1.0)]),
    OpInfo("top_triplet_margin_loss", [S(F(M), F(M), F(M)),
                                         S(F(M), F(M), F(M), 0.0, 3.0, 1e-6, True, 1)],
           op="triplet_margin_loss", errors=[S(F(M), F(M), F(V))]),
    OpInfo("top_poisson_nll_loss", [S(F(M), C(M, 0.0, 3.0), True, False, 1e-8, 1),
                                      S(F(M, 0.1, 2.0), F(M, 0.0, 3.0), False, True, 1e-8, 2),
                                      S(F(M), F(M, 0.5, 3.0), True, True, 1e-8, 0)],
           op="poisson_nll_loss", errors=[S(F(M), C(M), True, False, 1e-8, "mean")]),
    # ----------------------------------------------------------- normalization
    OpInfo("top_batch_norm",
           [S(F((2, 3, 4)), F((3,)), F((3,)), C((3,)), C((3,), 0.5, 1.5), True, 0.1, 1e-5,
              False),
            S(F((2, 3, 4)), None, None, C((3,)), C((3,), 0.5, 1.5), False, 0.1, 1e-5, False),
            S(F(M), None, None, None, None, True, 0.1, 1e-5, True)],
           op="batch_norm",
           errors=[S(F(M), None, None, None, None, False, 0.1, 1e-5, False),
                   S(F(M), F((3,)), None, None, None, True, 0.1, 1e-5, False),
                   S(F(M), None, None, C(V), C((3,)), True, 0.1, 1e-5, False)]),
    OpInfo("top_instance_norm",
           [S(F((2, 3, 4)), None, None, None, None, True, 0.1, 1e-5, False),
            S(F((2, 3, 4)), F((3,)), F((3,)), C((3,)), C((3,), 0.5, 1.5), True, 0.3, 1e-5,
              False)],
           op="instance_norm",
           errors=[S(F((2, 3, 4)), None, None, None, None, False, 0.1, 1e-5, False)]),
    OpInfo("top_layer_norm", [S(F(M), [4]), S(F((2, 3, 4)), (3, 4), F(M), F(M), 1e-3, False)],
           op="layer_norm", errors=[S(F(M), [3]), S(F(M), [4], F((3,))), S(F(M), 4)]),
    OpInfo("top_group_norm", [S(F((2, 3, 4)), 3, F((3,)), F((3,))), S(F((2, 4, 3)), 2),
                                S(F((2, 4, 3)), 2, None, None, 1e-3, False)],
           op="group_norm",
           errors=[S(F((2, 3, 4)), 2), S(F((2, 3, 4)), 3, F(V)), S(F(V), 1),
                   S(F((2, 3, 4)), 3, F((3,)), F((2,)))]),
    # ----------------------------------------------------------- layers
    OpInfo("top_conv1d", [S(F(SEQ), F((2, 3, 3))),
                            S(F(SEQ), F((3, 1, 2)), F((3,)), 2, 1, 1, 3),
                            S(F((3, 8)), F((2, 3, 3)), None, 1, "same"),
                            S(F(SEQ), F((2, 3, 3)), padding="valid", dilation=2)],
           op="conv1d", errors=[S(F(IMG), F((2, 3, 3))), S(F(SEQ), F((2, 2, 3))),
                                S(F(SEQ), F((2, 3, 3)), None, 2, "same")]),
    OpInfo("top_conv2d", [S(F(SMALL_IMG), F((2, 2, 3, 3)), F((2,)), 2, 1),
                            S(F(SMALL_IMG), F((2, 1, 3, 3)), None, 1, "same", 1, 2)],
           op="conv2d", errors=[S(F(M), F((2, 3, 3, 3)))]),
    OpInfo("top_embedding", [S(F((5, 3)), I([1, 2, 4])), S(F((5, 3)), I([[0, 2], [4, 2]]))],
           op="embedding", errors=[S(F((5, 3)), I([7])), S(F((5, 3)), C(V))]),
    OpInfo("top_embedding_padding", [S(F((5, 3)), I([[0, 2], [4, 2]]), 2, True),
                                     S(F((5, 3)), I([[0, 2], [4, 4]]), -1, True)],
           op="embedding", gradcheck=False, gradgradcheck=False,
           note="padding_idx rows get no gradient, scale_grad_by_freq divides by counts: "
                "not the derivative, by design"),
    OpInfo("top_bilinear", [S(F(M), F(M), F((2, 4, 4))),
                              S(F((2, 2, 3)), F((2, 2, 2)), F((2, 3, 2)), F((2,)))],
           op="bilinear",
           errors=[S(F(M), F(V), F((2, 4, 4))), S(F(M), F((2, 4)), F((2, 4, 4))),
                   S(F(M), F(M), F((2, 3, 4))), S(F(M), F(M), F((2, 4, 3))),
                   S(F(M), F(M), F((2, 4, 4)), F((3,)))]),
    # ----------------------------------------------------------- pooling
    OpInfo("top_max_pool1d", [S(F(SEQ), 2), S(F(SEQ), 3, 2, 1, 1, True), S(F(SEQ), 2, None)],
           op="max_pool1d", errors=[S(F(IMG), 2)]),
    OpInfo("top_max_pool2d", [S(F(SMALL_IMG), 3, 2, 1, 1, True)], op="max_pool2d",
           errors=[S(F(M), 2), S(F(IMG), 2, return_indices=True)]),
    OpInfo("top_max_pool3d", [S(F((1, 1, 2, 4, 4)), 2)], op="max_pool3d", errors=[S(F(M), 2)]),
    OpInfo("top_adaptive_max_pool1d", [S(F(SEQ), 3)], op="adaptive_max_pool1d",
           errors=[S(F(IMG), 2)]),
    # ----------------------------------------------------------- recurrent cells (small:
    # gradgradcheck's cost grows with the square of the sizes)
    OpInfo("top_rnn_tanh_cell", [S(F(X2), F(H2), F((2, 3)), F((2, 2)), F((2,)), F((2,)))],
           op="rnn_tanh_cell", tags=LAYOUT,
           errors=[S(F(M), F((2, 5)), F((5, 4)), F((5, 5))),
                   S(F(M), F((3, 5)), F((5, 3)), F((5, 5))),
                   S(F(M), F((3, 6)), F((5, 4)), F((5, 5)))]),
    OpInfo("top_rnn_relu_cell", [S(F(X2), F(H2), F((2, 3)), F((2, 2)), F((2,)), None),
                                 S(F(X2), F(H2), F((2, 3)), F((2, 2)), None, F((2,)))],
           op="rnn_relu_cell", tags=LAYOUT),
    OpInfo("top_gru_cell", [S(F(X2), F(H2), F((6, 3)), F((6, 2)), F((6,)), F((6,)))],
           op="gru_cell", tags=LAYOUT),
    OpInfo("top_lstm_cell", [S(F(X2), [F(H2), F(H2)], F((8, 3)), F((8, 2)), F((8,)), F((8,)))],
           op="lstm_cell", tags=LAYOUT,
           errors=[S(F(M), [F((3, 5))], F((20, 4)), F((20, 5))),
                   S(F(M), [F((3, 5)), F((3, 4))], F((20, 4)), F((20, 5))),
                   S(F(M), [F((3, 5)), F((2, 5))], F((20, 4)), F((20, 5)))]),
]

# gradcheck and gradgradcheck run on each entry's first sample: the later samples of an entry
# run the same formulas (the nn.functional forms' entries check them on more samples), so
# they check values, grads, graphs and versions against torch only (keeps the family fast).
for _info in list(OPS):
    if len(_info.samples) > 1 and (_info.gradcheck or _info.gradgradcheck):
        OPS.append(OpInfo(f"{_info.name}_more", _info.samples[1:], op=_info.op, fn=_info.fn,
                          gradcheck=False, gradgradcheck=False, tags=_info.tags,
                          note="same formulas as the entry's first sample, gradchecked there"))
        _info.samples = _info.samples[:1]
