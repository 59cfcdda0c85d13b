"""op_db entries for the nn family (issue 11); see op_db.py for the spec language."""

from __future__ import annotations

from op_db import B, C, F, I, M, OpInfo, P, S, U, V, Z, b, binary, u, unary  # noqa: F401


def _f(name, **kw):
    """A call of `T.nn.functional.<name>` (keyword arguments fixed)."""
    return lambda T, *a: getattr(T.nn.functional, name)(*a, **kw)


def _inplace(name, **kw):
    """`F.<name>(x * 1, inplace=True)`: the in-place form on a non-leaf."""
    return lambda T, x, *a: getattr(T.nn.functional, name)(x * 1, *a, inplace=True, **kw)


INT = [S(I([1, 2, -3]))]

OPS: list[OpInfo] = [
    # ----------------------------------------------------------- activations
    OpInfo("hardtanh", [S(F(M)), S(F(V), -0.5, 1.5), S(F(Z))],
           errors=[S(F(M), 2.0, 1.0)]),
    OpInfo("hardtanh_inplace", [S(F(M))], op="hardtanh", fn=_inplace("hardtanh")),
    OpInfo("relu6", [S(F(M, -8.0, 8.0)), S(F(Z))]),
    OpInfo("relu6_inplace", [S(F(M, -8.0, 8.0))], op="relu6", fn=_inplace("relu6")),
    OpInfo("hardsigmoid", [S(F(M, -4.0, 4.0)), S(F(Z))], errors=INT),
    OpInfo("hardsigmoid_inplace", [S(F(M, -4.0, 4.0))], op="hardsigmoid",
           fn=_inplace("hardsigmoid")),
    OpInfo("hardswish", [S(F(M, -4.0, 4.0)), S(F(Z))], errors=INT),
    OpInfo("hardswish_inplace", [S(F(M, -4.0, 4.0))], op="hardswish",
           fn=_inplace("hardswish")),
    OpInfo("hardshrink", [S(F(M)), S(F(V), 1.0), S(F(Z))], errors=INT),
    OpInfo("softshrink", [S(F(M)), S(F(V), lambd=1.0), S(F(Z))],
           errors=INT + [S(F(M), -1.0)]),
    OpInfo("mish", [S(F(M)), S(F(Z))], errors=INT),
    OpInfo("mish_inplace", [S(F(M))], op="mish", fn=_inplace("mish")),
    OpInfo("selu", [S(F(M)), S(F(Z))], errors=INT),
    OpInfo("selu_inplace", [S(F(M))], op="selu", fn=_inplace("selu")),
    OpInfo("celu", [S(F(M)), S(F(V), 0.7), S(F(Z))], errors=INT + [S(F(M), 0.0)]),
    OpInfo("celu_inplace", [S(F(M))], op="celu", fn=_inplace("celu", alpha=0.7)),
    OpInfo("glu", [S(F(M)), S(F((4, 3)), 0), S(F(V))],
           errors=[S(F((3, 5))), S(F(Z)), S(F(M), 2), S(F(M), -3)]),
    OpInfo("prelu", [S(F(M), F((1,))), S(F(M), F((4,))), S(F(V), F((1,))), S(F(Z), F((1,))),
                     S(F((2, 4, 3)), F((4,)))],
           errors=[S(F(M), F((3,))), S(F(M), F((4, 1)))]),
    OpInfo("rrelu", [S(F(M)), S(F(V), 0.1, 0.3)], errors=[S(F(M), 0.5, 0.1)]),
    OpInfo("rrelu_eval_inplace", [S(F(M))], op="rrelu", fn=_inplace("rrelu")),
    OpInfo("softmin", [S(F(M), 1), S(F(M), 0, dtype=None), S(F(V), -1)]),
    OpInfo("softmin_dtype", [S(C(M))], op="softmin",
           fn=lambda T, x: T.nn.functional.softmin(x, 1, dtype=T.float64), gradcheck=False,
           note="constant input (the dtype cast)"),
    OpInfo("softsign", [S(F(M)), S(F(Z))]),
    OpInfo("tanhshrink", [S(F(M)), S(F(Z))]),
    OpInfo("threshold", [S(F(M), 0.1, 2.0), S(F(V), -0.5, 0.0)]),
    OpInfo("threshold_inplace", [S(F(M), 0.1, 2.0)], op="threshold", fn=_inplace("threshold")),
]

IMG = (2, 3, 6, 6)
SEQ = (2, 3, 8)
VOL = (1, 2, 4, 4, 4)
W2 = (3, 2, 3, 3)   # conv_transpose2d weight for 3 input channels

OPS += [
    # ----------------------------------------------------------- convolution
    OpInfo("conv3d", [S(F(VOL), F((3, 2, 2, 2, 2))),
                      S(F(VOL), F((4, 1, 3, 3, 3)), F((4,)), stride=2, padding=1, groups=2),
                      S(F((2, 4, 4, 4)), F((3, 2, 2, 2, 2)), padding=1,
                        dilation=2)],
           errors=[S(F(M), F((3, 2, 2, 2, 2))), S(F(VOL), F((3, 1, 2, 2, 2)))]),
    OpInfo("conv_transpose1d", [S(F(SEQ), F((3, 2, 3))),
                                S(F(SEQ), F((3, 2, 3)), F((2,)), stride=2, padding=1,
                                  output_padding=1, dilation=1),
                                S(F(SEQ), F((3, 1, 2)), None, 1, 0, 0, 3, 2),
                                S(F((3, 8)), F((3, 2, 3)))],
           errors=[S(F(IMG), F((3, 2, 3))), S(F(SEQ), F((2, 2, 3))),
                   S(F(SEQ), F((3, 2, 3)), output_padding=1)]),
    OpInfo("conv_transpose2d", [S(F(IMG), F(W2)),
                                S(F(IMG), F(W2), F((2,)), stride=2, padding=1, output_padding=1),
                                S(F(IMG), F(W2), None, (2, 1), (0, 1), (1, 0), 1, (1, 2)),
                                S(F((2, 4, 6, 6)), F((4, 1, 2, 2)), F((2,)), groups=2)],
           errors=[S(F(SEQ), F(W2)), S(F((2, 4, 6, 6)), F(W2)),
                   S(F(IMG), F(W2), stride=2, output_padding=2)]),
    OpInfo("conv_transpose3d", [S(F(VOL), F((2, 3, 2, 2, 2))),
                                S(F(VOL), F((2, 1, 3, 3, 3)), F((1,)), stride=2, padding=1,
                                  output_padding=1)],
           errors=[S(F(M), F((2, 3, 2, 2, 2)))]),
    # ----------------------------------------------------------- interpolation
    OpInfo("interpolate", [S(F(IMG), scale_factor=2), S(F(IMG), size=(4, 9)),
                           S(F(IMG), size=(5, 7), mode="nearest-exact"),
                           S(F(IMG), scale_factor=1.7, mode="bilinear"),
                           S(F(IMG), size=(4, 9), mode="bilinear", align_corners=True),
                           S(F(IMG), size=(4, 9), mode="bicubic"),
                           S(F(IMG), scale_factor=(1.5, 0.7), mode="bicubic", align_corners=True),
                           S(F(IMG), size=(4, 3), mode="area"),
                           S(F(SEQ), scale_factor=1.7, mode="linear"),
                           S(F(SEQ), size=5), S(F(SEQ), size=5, mode="area"),
                           S(F(SEQ), scale_factor=1.7, recompute_scale_factor=True),
                           S(F(VOL), scale_factor=1.5, mode="trilinear"),
                           S(F(VOL), size=(3, 5, 2)), S(F(VOL), size=(2, 3, 2), mode="area")],
           errors=[S(F(M), scale_factor=2), S(F(IMG), scale_factor=2, mode="linear"),
                   S(F(IMG), scale_factor=2, align_corners=True), S(F(IMG)),
                   S(F(IMG), size=(3,), mode="bilinear"), S(F(IMG), size=3, scale_factor=2),
                   S(F(IMG), scale_factor=(2,)), S(F(SEQ), size=4, mode="bicubic")]),
    # ----------------------------------------------------------- pooling
    OpInfo("avg_pool1d", [S(F(SEQ), 2), S(F(SEQ), 3, 2, 1, True, False), S(F((3, 8)), 3)],
           errors=[S(F(IMG), 2), S(F(SEQ), 2, 1, 2)]),
    OpInfo("avg_pool3d", [S(F(VOL), 2), S(F(VOL), 3, 2, 1, True, False),
                          S(F(VOL), 2, divisor_override=3), S(F((2, 4, 4, 4)), (2, 1, 2))],
           errors=[S(F(IMG[:3]), 2), S(F(VOL), 2, 1, 2)]),
    OpInfo("max_pool1d", [S(F(SEQ), 2), S(F(SEQ), 3, 2, 1, 1, True), S(F((3, 8)), 2),
                          S(F(SEQ), 2, return_indices=True)],
           errors=[S(F(IMG), 2), S(F(SEQ), 2, padding=2)]),
    OpInfo("max_pool1d_with_indices", [S(F(SEQ), 3, 2, 1)]),
    OpInfo("max_pool2d_with_indices", [S(F(IMG), 3, 2, 1)], errors=[S(F(SEQ[:2]), 2)]),
    OpInfo("max_pool3d", [S(F(VOL), 2), S(F(VOL), 3, 2, 1, 1, True), S(F((2, 4, 4, 4)), 2),
                          S(F(VOL), 2, 1, 0, 2, return_indices=True)],
           errors=[S(F(IMG[:3]), 2), S(F(VOL), 2, padding=2)]),
    OpInfo("max_pool3d_with_indices", [S(F(VOL), 2)]),
    OpInfo("adaptive_avg_pool1d", [S(F(SEQ), 3), S(F(SEQ), 1), S(F((3, 8)), 5)],
           errors=[S(F(IMG), 2)]),
    OpInfo("adaptive_avg_pool3d", [S(F(VOL), 3), S(F(VOL), 1), S(F(VOL), (None, 3, 2))],
           errors=[S(F(IMG[:3]), 2)]),
    OpInfo("adaptive_max_pool1d", [S(F(SEQ), 3), S(F(SEQ), 5, True)], errors=[S(F(IMG), 2)]),
    OpInfo("adaptive_max_pool1d_with_indices", [S(F(SEQ), 3)]),
    OpInfo("adaptive_max_pool2d", [S(F(IMG), 4), S(F(IMG), (None, 4), True),
                                   S(F((3, 6, 6)), 1)], errors=[S(F(V), 2)]),
    OpInfo("adaptive_max_pool2d_with_indices", [S(F(IMG), 4)]),
    OpInfo("adaptive_max_pool3d", [S(F(VOL), 3), S(F(VOL), (2, 3, 1), True)],
           errors=[S(F(IMG[:3]), 2)]),
    OpInfo("adaptive_max_pool3d_with_indices", [S(F(VOL), 3)]),
    OpInfo("lp_pool1d", [S(F(SEQ, 0.2, 2.0), 2, 2), S(F(SEQ, 0.2, 2.0), 3.0, 3, 2)]),
    OpInfo("lp_pool2d", [S(F(IMG, 0.2, 2.0), 2, 2), S(F(IMG, 0.2, 2.0), 1.5, (2, 3), 2)]),
    OpInfo("lp_pool3d", [S(F(VOL, 0.2, 2.0), 2, 2)]),
    # ----------------------------------------------------------- shuffles, fold
    OpInfo("pixel_shuffle", [S(F((1, 8, 2, 3)), 2), S(F((8, 2, 3)), 2)],
           errors=[S(F(M), 2), S(F((1, 5, 2, 2)), 2)]),
    OpInfo("pixel_unshuffle", [S(F((1, 2, 4, 6)), 2), S(F((2, 4, 6)), 2)],
           errors=[S(F(M), 2), S(F((1, 2, 3, 4)), 2), S(F((1, 2, 4, 3)), 2)]),
    OpInfo("channel_shuffle", [S(F((1, 4, 2, 3)), 2), S(F((2, 6, 3)), 3)],
           errors=[S(F((1, 5, 2, 2)), 2), S(F((5, 2)), 2)]),
    OpInfo("nn.functional.unfold", [S(F(IMG), 2), S(F(IMG), (2, 3), 1, 1, 2),
                                    S(F((3, 6, 6)), 3, 2, 1, 1)],
           op="nn.functional.unfold", fn=lambda T, *a: T.nn.functional.unfold(*a),
           errors=[S(F(M), 2)]),
    OpInfo("fold", [S(F((1, 12, 4)), (3, 3), 2), S(F((2, 12, 9)), (4, 5), (2, 3), 1, 1, 2),
                    S(F((8, 9)), 4, 2, 1, 0, 1)],
           errors=[S(F((1, 12, 5)), (3, 3), 2), S(F((1, 10, 4)), (3, 3), 2), S(F(V), 3, 2)]),
]

SGN = C(M, -1.0, 1.0)
OPS += [
    # ----------------------------------------------------------- losses
    OpInfo("soft_margin_loss", [S(F(M), C(M)), S(F(M), C(M), reduction="none"),
                                S(F(V), C(V), reduction="sum")],
           errors=[S(F(M), C(M), reduction="bad")]),
    OpInfo("multi_margin_loss", [S(F(M), I([0, 2, 3])),
                                 S(F(M), I([1, 1, 0]), 2, 0.5, C((4,), 0.2, 1.5),
                                   reduction="none"),
                                 S(F(V), I([2]), reduction="sum")],
           errors=[S(F(M), I([0, 2])), S(F(M), I([0, 2, 3]), p=3)]),
    OpInfo("multilabel_margin_loss", [S(F(M), I([[0, 2, -1, 0], [1, -1, 0, 0], [3, 2, 1, 0]])),
                                      S(F(V), I([3, 0, -1, 1]), reduction="none")],
           errors=[S(F(M), I([[0, 2, -1, 0]]))]),
    OpInfo("margin_ranking_loss", [S(F(V), F(V), C(V, -1.0, 1.0)),
                                   S(F(M), F(M), C(M), margin=0.5, reduction="sum")],
           errors=[S(F(V), F(M), C(V))]),
    OpInfo("hinge_embedding_loss", [S(F(M), C(M), 0.7)],
           fn=lambda T, x, t, m: T.nn.functional.hinge_embedding_loss(x, t.sign(), m)),
    OpInfo("hinge_embedding_loss_none", [S(F(M), C(M))], op="hinge_embedding_loss",
           fn=lambda T, x, t: T.nn.functional.hinge_embedding_loss(x, t.sign(),
                                                                   reduction="none")),
    OpInfo("cosine_embedding_loss", [S(F(M), F(M), C((3,)), 0.1)],
           fn=lambda T, a, b, t, m: T.nn.functional.cosine_embedding_loss(a, b, t.sign(), m),
           errors=[S(F(M), F((3, 3)), C((3,)))]),
    OpInfo("triplet_margin_loss", [S(F(M), F(M), F(M)), S(F(M), F(M), F(M), 0.5, 3, swap=True),
                                   S(F(V), F(V), F(V), reduction="none")],
           errors=[S(F(M), F(M), F(V)), S(F(M), F(M), F(M), margin=0.0)]),
    OpInfo("triplet_margin_with_distance_loss", [S(F(M), F(M), F(M)),
                                                 S(F(M), F(M), F(M), swap=True, margin=0.5)],
           errors=[S(F(M), F(M), F(M), margin=-1.0)]),
    OpInfo("poisson_nll_loss", [S(F(M), C(M, 0.0, 3.0)),
                                S(F(M, 0.1, 2.0), F(M, 0.0, 3.0), False, True, reduction="sum"),
                                S(F(M), F(M, 0.5, 3.0), full=True, reduction="none")],
           errors=[S(F(M), C(M), reduction="bad")]),
    OpInfo("gaussian_nll_loss", [S(F(M), F(M), F(M, 0.1, 2.0)),
                                 S(F(M), C(M), F((3,), 0.1, 2.0), True, reduction="sum"),
                                 S(F(M), C(M), F((3, 1), 0.1, 2.0), reduction="none")],
           errors=[S(F(M), C(M), C((2,), 0.1, 1.0)), S(F(M), C(M), C(M, -1.0, -0.5))]),
    OpInfo("multilabel_soft_margin_loss", [S(F(M), C(M, 0.0, 1.0)),
                                           S(F(M), C(M, 0.0, 1.0), C(V, 0.2, 1.5),
                                             reduction="none")]),
    # ----------------------------------------------------------- distances, norms
    OpInfo("pairwise_distance", [S(F(M), F(M)), S(F(M), F(V), 1.0, keepdim=True),
                                 S(F(M), F(M), 3.0, 1e-3)]),
    OpInfo("cosine_similarity", [S(F(M), F(M)), S(F(M), F(V), -1), S(F((3, 1)), F(M), 0)]),
    OpInfo("normalize", [S(F(M)), S(F(M), 1.0, 0), S(F(V), dim=0)]),
    OpInfo("rms_norm", [S(F(M), (4,)), S(F(M), [3, 4], F(M), 1e-3), S(F((2, 3, 4)), (4,), F(V))],
           errors=[S(F(M), (3,))]),
    OpInfo("pdist", [S(F(M)), S(F(M), 1.0), S(F((4, 3)), 3.0)], errors=[S(F(V))]),
    OpInfo("local_response_norm", [S(F((2, 3, 4)), 2), S(F((2, 4, 3, 3)), 3, 1e-2, 0.5, 2.0)],
           errors=[S(F(M), 2)]),
]

OPS += [
    OpInfo("instance_norm", [S(F((2, 3, 4))), S(F((2, 3, 4)), weight=F((3,)), bias=F((3,))),
                             S(F((2, 3, 2, 3)), C((3,)), C((3,), 0.5, 1.5), F((3,)), None, False),
                             S(F((2, 3, 4)), C((3,)), C((3,), 0.5, 1.5), momentum=0.3)],
           errors=[S(F((2, 3, 1)))]),
]

OPS += [
    # ----------------------------------------------------------- unpooling, grids
    OpInfo("max_unpool2d", [S(F(IMG))], fn=lambda T, x: T.nn.functional.max_unpool2d(
        *T.nn.functional.max_pool2d(x, 2, return_indices=True), 2)),
    OpInfo("max_unpool2d_size", [S(F(IMG))], op="max_unpool2d",
           fn=lambda T, x: T.nn.functional.max_unpool2d(
               *T.nn.functional.max_pool2d(x, 2, return_indices=True), 2, output_size=(7, 7))),
    OpInfo("max_unpool1d", [S(F(SEQ))], fn=lambda T, x: T.nn.functional.max_unpool1d(
        *T.nn.functional.max_pool1d(x, 2, return_indices=True), 2)),
    OpInfo("max_unpool3d", [S(F(VOL))], fn=lambda T, x: T.nn.functional.max_unpool3d(
        *T.nn.functional.max_pool3d(x, 2, return_indices=True), 2)),
    OpInfo("affine_grid", [S(F((2, 2, 3)), (2, 3, 4, 5), False),
                           S(F((2, 2, 3)), (2, 3, 4, 5), True),
                           S(F((1, 3, 4)), (1, 2, 3, 2, 4), False)],
           errors=[S(F((2, 3, 3)), (2, 3, 4, 5), False), S(F((2, 2, 3)), (2, 3, 4), False),
                   S(F((2, 2, 3)), (2, 3, 0, 5), False)]),
    # ----------------------------------------------------------- random layers (the
    # deterministic cases: eval, p=0, p=1)
    OpInfo("dropout1d", [S(F(SEQ), 0.5, False), S(F(SEQ), 0.0), S(F(SEQ), 1.0),
                         S(F((3, 8)), 1.0)], errors=[S(F(IMG), 0.5), S(F(SEQ), 1.5)]),
    OpInfo("dropout2d", [S(F(IMG), 0.5, False), S(F(IMG), 1.0)], errors=[S(F(IMG), -0.1)]),
    OpInfo("dropout3d", [S(F(VOL), 0.5, False), S(F(VOL), 1.0), S(F(VOL[1:]), 1.0)]),
    OpInfo("alpha_dropout", [S(F(M), 0.5), S(F(M), 0.0, True)], errors=[S(F(M), 2.0)]),
    OpInfo("feature_alpha_dropout", [S(F(IMG), 0.5), S(F(IMG), 0.0, True)]),
    OpInfo("gumbel_softmax", [S(F(M))], fn=lambda T, x: T.nn.functional.gumbel_softmax(
        x, hard=True).sum(-1), gradcheck=False, note="random noise; only the hard sum checked"),
]

def _deprecated(name):
    """`F.<name>` with its deprecation warning recorded (the table's other checks run every
    sample with warnings as errors); the warning itself is checked in tests/nn."""
    def call(T, *a, **k):
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = getattr(T.nn.functional, name)(*a, **k)
        assert [str(w.message) for w in caught] == [
            f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead."]
        return out

    return call


OPS += [
    OpInfo("upsample", [S(F(IMG), scale_factor=2, mode="bilinear")], fn=_deprecated("upsample")),
    OpInfo("upsample_nearest", [S(F(IMG), (4, 9))], fn=_deprecated("upsample_nearest")),
    OpInfo("upsample_bilinear", [S(F(IMG), scale_factor=1.5)],
           fn=_deprecated("upsample_bilinear")),
]

# Ops that wrap their dims in the body: an out-of-range dim among their error inputs.
OPS += [
    OpInfo("softmin_dim_error", [], op="softmin", errors=[S(F(M), dim=2)]),
    OpInfo("gumbel_softmax_dim_error", [], op="gumbel_softmax", errors=[S(F(M), dim=2)]),
    OpInfo("cosine_similarity_dim_error", [], op="cosine_similarity",
           errors=[S(F(M), F(M), dim=2)]),
    OpInfo("normalize_dim_error", [], op="normalize", errors=[S(F(M), dim=2)]),
]

# Declared under the `nn.functional` namespace, apart from their torch.<name> forms (those
# have ATen's signatures: samples in op_db_nntop.py).
_NNF_KEYS = {"selu", "celu", "rrelu", "threshold", "margin_ranking_loss", "hinge_embedding_loss",
             "cosine_embedding_loss", "triplet_margin_loss", "poisson_nll_loss", "instance_norm",
             "max_pool1d", "max_pool3d", "adaptive_max_pool1d", "alpha_dropout",
             "feature_alpha_dropout"}
for _info in OPS:
    if _info.op in _NNF_KEYS:
        _info.op = f"nn.functional.{_info.op}"
