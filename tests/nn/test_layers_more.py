"""The breadth family's modules (activations, convolutions, upsampling, pooling, padding,
shuffles, fold, normalization, distances, losses) against torch through the nn_db harness,
their reprs, and a small conv autoencoder trained side by side with torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from nn_db import B, C, Case, F, I, P  # noqa: F401
from test_layers import IGNORE, TOL, module_program

import tapegrad as tg
from tapegrad.testing import assert_parity

V = (4, 5)
IMG = (2, 3, 6, 6)
SEQ = (2, 3, 8)
VOL = (1, 2, 4, 4, 4)

CASES = [
    # ----------------------------------------------------------- activations
    Case("ReLU6", lambda T: T.nn.ReLU6(), (F(V, -8.0, 8.0),)),
    Case("Hardtanh", lambda T: T.nn.Hardtanh(-0.5, 1.5), (F(V),)),
    Case("Hardsigmoid", lambda T: T.nn.Hardsigmoid(), (F(V, -4.0, 4.0),)),
    Case("Hardswish", lambda T: T.nn.Hardswish(), (F(V, -4.0, 4.0),)),
    Case("Hardshrink", lambda T: T.nn.Hardshrink(0.3), (F(V),)),
    Case("Softshrink", lambda T: T.nn.Softshrink(), (F(V),)),
    Case("Mish", lambda T: T.nn.Mish(), (F(V),)),
    Case("SELU", lambda T: T.nn.SELU(), (F(V),)),
    Case("CELU", lambda T: T.nn.CELU(0.7), (F(V),)),
    Case("GLU", lambda T: T.nn.GLU(1), (F((4, 6)),)),
    Case("PReLU", lambda T: T.nn.PReLU(3, 0.1), (F(IMG),)),
    Case("PReLU-1", lambda T: T.nn.PReLU(), (F(V),)),
    Case("RReLU-eval", lambda T: T.nn.RReLU(), (F(V),), train=False),
    Case("Softmin", lambda T: T.nn.Softmin(1), (F(V),)),
    Case("Softsign", lambda T: T.nn.Softsign(), (F(V),)),
    Case("Tanhshrink", lambda T: T.nn.Tanhshrink(), (F(V),)),
    Case("Threshold", lambda T: T.nn.Threshold(0.1, 2.0), (F(V),)),
    Case("LogSigmoid", lambda T: T.nn.LogSigmoid(), (F(V),)),
    Case("Softmax2d", lambda T: T.nn.Softmax2d(), (F(IMG),)),
    # ----------------------------------------------------------- convolution
    Case("Conv3d", lambda T: T.nn.Conv3d(2, 3, 2, padding=1), (F(VOL),)),
    Case("ConvTranspose1d", lambda T: T.nn.ConvTranspose1d(3, 2, 3, stride=2), (F(SEQ),)),
    Case("ConvTranspose2d", lambda T: T.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1,
                                                           output_padding=1), (F(IMG),)),
    Case("ConvTranspose2d-groups-nobias", lambda T: T.nn.ConvTranspose2d(
        4, 2, 2, groups=2, bias=False, dilation=2), (F((2, 4, 6, 6)),)),
    Case("ConvTranspose2d-output-size", lambda T: T.nn.ConvTranspose2d(3, 2, 3, stride=2),
         (F(IMG),), call=lambda T, m, x: m(x, output_size=(14, 14))),
    Case("ConvTranspose3d", lambda T: T.nn.ConvTranspose3d(2, 2, 2, stride=2), (F(VOL),)),
    # ----------------------------------------------------------- upsampling, pooling
    Case("Upsample-bilinear", lambda T: T.nn.Upsample(scale_factor=2, mode="bilinear"),
         (F(IMG),)),
    Case("UpsamplingNearest2d", lambda T: T.nn.UpsamplingNearest2d(size=(7, 9)), (F(IMG),)),
    Case("UpsamplingBilinear2d", lambda T: T.nn.UpsamplingBilinear2d(scale_factor=1.5),
         (F(IMG),)),
    Case("MaxPool1d", lambda T: T.nn.MaxPool1d(3, 2, 1), (F(SEQ),)),
    Case("MaxPool3d", lambda T: T.nn.MaxPool3d(2), (F(VOL),)),
    Case("AvgPool1d", lambda T: T.nn.AvgPool1d(3, 2, 1), (F(SEQ),)),
    Case("AvgPool3d", lambda T: T.nn.AvgPool3d(2), (F(VOL),)),
    Case("AdaptiveAvgPool1d", lambda T: T.nn.AdaptiveAvgPool1d(3), (F(SEQ),)),
    Case("AdaptiveAvgPool3d", lambda T: T.nn.AdaptiveAvgPool3d((2, 3, 3)), (F(VOL),)),
    Case("AdaptiveMaxPool1d", lambda T: T.nn.AdaptiveMaxPool1d(3), (F(SEQ),)),
    Case("AdaptiveMaxPool2d-indices", lambda T: T.nn.AdaptiveMaxPool2d(4, True), (F(IMG),)),
    Case("AdaptiveMaxPool3d", lambda T: T.nn.AdaptiveMaxPool3d(3), (F(VOL),)),
    Case("LPPool2d", lambda T: T.nn.LPPool2d(2, 2), (F(IMG, 0.2, 2.0),)),
    # ----------------------------------------------------------- padding, shuffles, fold
    Case("ZeroPad2d", lambda T: T.nn.ZeroPad2d((1, 2, 0, 1)), (F(IMG),)),
    Case("ConstantPad1d", lambda T: T.nn.ConstantPad1d(2, 0.5), (F(SEQ),)),
    Case("ReflectionPad2d", lambda T: T.nn.ReflectionPad2d(2), (F(IMG),)),
    Case("ReplicationPad1d", lambda T: T.nn.ReplicationPad1d((1, 3)), (F(SEQ),)),
    Case("PixelShuffle", lambda T: T.nn.PixelShuffle(2), (F((1, 8, 2, 3)),)),
    Case("PixelUnshuffle", lambda T: T.nn.PixelUnshuffle(2), (F((1, 2, 4, 6)),)),
    Case("ChannelShuffle", lambda T: T.nn.ChannelShuffle(3), (F((2, 6, 3)),)),
    Case("Unfold", lambda T: T.nn.Unfold(2, padding=1), (F(IMG),)),
    Case("Fold", lambda T: T.nn.Fold((3, 3), 2), (F((1, 12, 4)),)),
    Case("MaxUnpool2d", lambda T: T.nn.MaxUnpool2d(2), (F(IMG),),
         call=lambda T, m, x: m(*T.nn.functional.max_pool2d(x, 2, return_indices=True))),
    Case("Dropout2d-eval", lambda T: T.nn.Dropout2d(), (F(IMG),), train=False),
    Case("AlphaDropout-eval", lambda T: T.nn.AlphaDropout(0.2), (F(V),), train=False),
    # ----------------------------------------------------------- normalization, distances
    Case("BatchNorm3d", lambda T: T.nn.BatchNorm3d(2), (F((2, 2, 3, 3, 3)),)),
    Case("InstanceNorm1d", lambda T: T.nn.InstanceNorm1d(3), (F(SEQ),)),
    Case("InstanceNorm2d-affine-stats", lambda T: T.nn.InstanceNorm2d(
        3, affine=True, track_running_stats=True), (F(IMG),)),
    Case("InstanceNorm2d-eval-stats", lambda T: T.nn.InstanceNorm2d(
        3, track_running_stats=True), (F(IMG),), train=False),
    Case("LocalResponseNorm", lambda T: T.nn.LocalResponseNorm(2), (F(IMG),)),
    Case("RMSNorm", lambda T: T.nn.RMSNorm(8), (F(SEQ),)),
    Case("CosineSimilarity", lambda T: T.nn.CosineSimilarity(), (F(V), F(V))),
    Case("PairwiseDistance", lambda T: T.nn.PairwiseDistance(1.0), (F(V), F(V))),
    # ----------------------------------------------------------- losses
    Case("SoftMarginLoss", lambda T: T.nn.SoftMarginLoss(), (F(V), C(V, -1.0, 1.0))),
    Case("MultiMarginLoss", lambda T: T.nn.MultiMarginLoss(), (F(V), I([0, 2, 1, 4]))),
    Case("MultiLabelMarginLoss", lambda T: T.nn.MultiLabelMarginLoss(),
         (F(V), I([[0, 2, -1, 0, 0]] * 4))),
    Case("MultiLabelSoftMarginLoss", lambda T: T.nn.MultiLabelSoftMarginLoss(), (F(V), P(V))),
    Case("MarginRankingLoss", lambda T: T.nn.MarginRankingLoss(0.2),
         (F((5,)), F((5,)), C((5,), -1.0, 1.0))),
    Case("HingeEmbeddingLoss", lambda T: T.nn.HingeEmbeddingLoss(),
         (F(V), I([[1, -1, 1, -1, 1]] * 4)),
         call=lambda T, m, x, t: m(x, t.to(x.dtype))),
    Case("CosineEmbeddingLoss", lambda T: T.nn.CosineEmbeddingLoss(0.1),
         (F(V), F(V), I([1, -1, 1, -1])), call=lambda T, m, a, b, t: m(a, b, t.to(a.dtype))),
    Case("TripletMarginLoss", lambda T: T.nn.TripletMarginLoss(), (F(V), F(V), F(V))),
    Case("TripletMarginWithDistanceLoss", lambda T: T.nn.TripletMarginWithDistanceLoss(
        swap=True), (F(V), F(V), F(V))),
    Case("PoissonNLLLoss", lambda T: T.nn.PoissonNLLLoss(), (F(V), P(V))),
    Case("GaussianNLLLoss", lambda T: T.nn.GaussianNLLLoss(), (F(V), C(V), F(V, 0.1, 2.0))),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_module_matches_torch(case):
    run = assert_parity(module_program(case, "float64"), ignore=IGNORE, **TOL["float64"])
    assert run.error is None, run.error


REPRS = ["nn.ReLU6(True)", "nn.Hardtanh(-2.0, 2.0)", "nn.PReLU(3)", "nn.RReLU(0.1, 0.3)",
         "nn.CELU(0.5)", "nn.Threshold(0.1, 20)", "nn.Softmin(1)", "nn.GLU()",
         "nn.Hardshrink()", "nn.Softshrink(0.3)", "nn.SELU()", "nn.Mish()",
         "nn.Conv3d(2, 3, 2)", "nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1)",
         "nn.ConvTranspose1d(4, 2, 3, bias=False, dilation=2, groups=2, padding=1)",
         "nn.Upsample(scale_factor=2, mode='bilinear')", "nn.UpsamplingNearest2d(scale_factor=2)",
         "nn.UpsamplingBilinear2d(size=4)", "nn.MaxPool1d(2)", "nn.MaxPool3d(2)",
         "nn.AvgPool1d(2)", "nn.AvgPool3d(2)", "nn.AdaptiveAvgPool1d(2)",
         "nn.AdaptiveMaxPool2d(3)", "nn.LPPool2d(2, 3)", "nn.PixelShuffle(2)",
         "nn.PixelUnshuffle(2)", "nn.ChannelShuffle(2)", "nn.Fold((3, 3), 2)", "nn.Unfold(2)",
         "nn.ZeroPad2d(1)", "nn.ReflectionPad1d((1, 2))", "nn.ConstantPad3d(1, 0.5)",
         "nn.CircularPad2d(1)", "nn.ReplicationPad3d(1)", "nn.ZeroPad1d(2)",
         "nn.InstanceNorm2d(3)", "nn.BatchNorm3d(3)", "nn.LocalResponseNorm(2)",
         "nn.RMSNorm(4)", "nn.RMSNorm([3, 4], eps=1e-3, elementwise_affine=False)",
         "nn.CosineSimilarity()", "nn.PairwiseDistance()", "nn.MultiMarginLoss()",
         "nn.TripletMarginLoss()", "nn.PoissonNLLLoss()", "nn.GaussianNLLLoss()",
         "nn.TripletMarginWithDistanceLoss()", "nn.Softmax2d()", "nn.Tanhshrink()",
         "nn.Dropout2d()", "nn.Dropout1d(0.2, True)", "nn.AlphaDropout(0.1)",
         "nn.FeatureAlphaDropout()", "nn.Dropout3d()", "nn.MaxUnpool2d(2)",
         "nn.MaxUnpool1d(3, 1, 1)", "nn.MaxUnpool3d(2)"]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr):
    assert repr(eval(expr, {"nn": tg.nn})) == repr(eval(expr, {"nn": torch.nn}))


def test_module_parameters_match_torch():
    for expr in ("nn.ConvTranspose2d(4, 6, 3, groups=2)", "nn.PReLU(3)", "nn.RMSNorm(4)",
                 "nn.InstanceNorm1d(3, affine=True, track_running_stats=True)",
                 "nn.Conv3d(2, 4, (1, 2, 3))"):
        ours = {k: tuple(v.shape) for k, v in eval(expr, {"nn": tg.nn}).state_dict().items()}
        theirs = {k: tuple(v.shape) for k, v in
                  eval(expr, {"nn": torch.nn}).state_dict().items()}
        assert ours == theirs, expr


def test_rrelu_training_draws_slopes_in_range_and_uses_them_in_backward():
    tg.manual_seed(0)
    x = tg.tensor([-1.0, -2.0, 3.0, -0.5], requires_grad=True)
    y = tg.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    assert type(y.grad_fn).__name__ == "RreluWithNoiseBackward0"
    y.sum().backward()
    slopes = np.asarray(y.detach()) / np.asarray(x.detach())
    assert np.all((slopes[[0, 1, 3]] >= 0.1) & (slopes[[0, 1, 3]] <= 0.3)) and slopes[2] == 1
    np.testing.assert_allclose(np.asarray(x.grad), slopes, rtol=1e-6)


def test_conv_autoencoder_trains_like_torch():
    """Conv2d -> ReLU -> ConvTranspose2d -> F.interpolate, same weights and batches, float64
    SGD with momentum: per-step losses to 1e-6 relative."""

    def build(T):
        class AE(T.nn.Module):
            def __init__(self):
                super().__init__()
                self.enc = T.nn.Conv2d(2, 4, 3, stride=2, padding=1)
                self.dec = T.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)

            def forward(self, x):
                h = T.nn.functional.relu(self.enc(x))
                out = self.dec(h)
                return T.nn.functional.interpolate(out, scale_factor=2, mode="bilinear",
                                                   align_corners=False)

        return AE().to(T.float64)

    torch.manual_seed(0)
    ref = build(torch)
    ours = build(tg)
    ours.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in
                          ref.state_dict().items()})
    opt_ref = torch.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
    opt = tg.optim.SGD(ours.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    for step in range(6):
        batch = rng.normal(size=(3, 2, 8, 8))
        target = np.repeat(np.repeat(batch, 2, axis=2), 2, axis=3)
        losses = []
        for T, model, o in ((torch, ref, opt_ref), (tg, ours, opt)):
            o.zero_grad()
            loss = T.nn.functional.mse_loss(model(T.tensor(batch)), T.tensor(target))
            loss.backward()
            o.step()
            losses.append(float(loss.detach()))
        assert losses[1] == pytest.approx(losses[0], rel=1e-6), (step, losses)
    for k, v in ref.state_dict().items():
        np.testing.assert_allclose(np.asarray(ours.state_dict()[k]), v.numpy(), rtol=1e-6,
                                   atol=1e-9)
