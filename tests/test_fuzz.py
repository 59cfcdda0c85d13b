"""The random-program fuzzer (`tapegrad.fuzz`, issue 12 item 8): a fixed, derandomized slice of
programs must agree with torch except for differences README lists, the listed differences
must still reproduce (so the list cannot go stale), and the fuzzer's findings that were fixed
stay fixed (each program runs under live torch)."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import HealthCheck, given, settings

from tapegrad.fuzz import LISTED, Program, Step, check, listed, programs
from tapegrad.testing import assert_parity

# ---------------------------------------------------------------- the fixed slice
SLICE = 150


@settings(max_examples=SLICE, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(programs(max_steps=6))
def test_fixed_slice_of_random_programs_matches_torch(program: Program) -> None:
    r = check(program)
    if r.diff is not None:
        assert listed(program, r.diff) is not None, \
            f"divergence: {r.diff}\n--- reproducer ---\n{program.reproducer()}"


def _leaf(name: str, data: str) -> Step:
    return Step((f"{name} = T.tensor({data}, dtype=T.float64, requires_grad=True)",))


LISTED_REPRODUCERS = {
    "gradient layout": Program("float64", [
        _leaf("v0", "[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]"), Step(("v1 = v0.t()",)),
        Step(("v1.backward(T.full_like(v1, 0.5))",), guard=True)], ["v0", "v1"]),
    "softmax double backward": Program("float64", [
        _leaf("v0", "[1.0, 2.0]"), Step(("v1 = v0.log_softmax(0)",)),
        Step(("g2, = T.autograd.grad(v1.sum(), [v0], create_graph=True)",))], ["v0", "v1", "g2"]),
    "zero tensor": Program("float64", [
        _leaf("v0", "0.0"), Step(("v1 = T.where(v0 > 0, v0, v0)",)), Step(("v2 = T.abs(v1)",)),
        Step(("g3, = T.autograd.grad(v2, [v0], create_graph=True)",)),
        Step(("g4, = T.autograd.grad(g3, [v1], allow_unused=True, materialize_grads=True)",))],
        ["v0", "v1", "v2", "g3", "g4"]),
    "pointwise layout": Program("float64", [
        _leaf("v0", "[[[0.5, 1.5], [-2.0, 1.0], [1.5, 0.0]]]"), Step(("v1 = v0.transpose(-1, -2)",)),
        Step(("v2 = T.exp(v1)",)),
        _leaf("v3", "[[1.0], [2.0], [3.0]]"), Step(("v4 = T.matmul(v2, v3)",))],
        ["v0", "v1", "v2", "v3", "v4"]),
    "generic double backward": Program("float64", [
        _leaf("v0", "[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]"), Step(("v1 = v0.prod(0)",)),
        Step(("g2, = T.autograd.grad(v1.sum(), [v0], create_graph=True)",))],
        ["v0", "v1", "g2"]),
    "CopySlices double backward": Program("float64", [
        _leaf("v0", "[0.5, 1.0, 2.0]"), Step(("v1 = v0 * 1",)), Step(("v2 = v1.unsqueeze(0)",)),
        Step(("v2.exp_()",)), Step(("v3 = v2 / v0",)),
        Step(("g4, = T.autograd.grad(v3.sum(), [v0], create_graph=True)",))],
        ["v0", "v1", "v2", "v3", "g4"]),
    "create_graph gradient version": Program("float64", [
        _leaf("v0", "[0.0, 0.0]"), Step(("v1 = v0.max(0).values",)),
        Step(("g2, = T.autograd.grad(v1, [v0], create_graph=True)",))], ["v0", "v1", "g2"]),
    "NaN sign": Program("float64", [
        _leaf("v0", "-0.25"), Step(("v1 = T.sqrt(v0)",)), Step(("v2 = T.copysign(v0, v1)",))],
        ["v0", "v1", "v2"]),
    "size-1 stride overlap": Program("float64", [
        _leaf("v0", "[[1.0, 2.0, 3.0]]"), Step(("v1 = v0 * 1",)), Step(("v2 = v1[::2]",)),
        Step(("v1.add_(v2)",), guard=True)], ["v0", "v1", "v2"]),
}


def test_matmul_fold_of_a_pointwise_result_is_the_pointwise_layout_difference() -> None:
    # Seed 609: torch folds exp(permuted) for matmul with a copy (UnsafeViewBackward0) because
    # its exp kept the permuted layout; here the result is contiguous and folds as a view.
    program = Program("float64", [
        _leaf("v0", "[[[0.5, 1.0], [2.0, -1.0], [0.0, 1.5]], "
                    "[[1.0, 0.0], [0.5, 0.5], [2.0, 1.0]]]"),
        Step(("v1 = v0.permute(1, 0, 2)",)), Step(("v2 = T.exp(v1)",)),
        _leaf("v3", "[1.0, -1.0]"), Step(("v4 = T.matmul(v2, v3)",))],
        ["v0", "v1", "v2", "v3", "v4"])
    r = check(program)
    assert r.diff is not None and "UnsafeViewBackward" in r.diff.split("\n")[0], r.diff
    assert listed(program, r.diff).name == "pointwise layout"


def test_listed_differences_still_reproduce_and_are_classified() -> None:
    assert set(LISTED_REPRODUCERS) == {e.name for e in LISTED}
    for name, program in LISTED_REPRODUCERS.items():
        r = check(program)
        assert r.diff is not None, f"{name} no longer differs: drop it from LISTED and README"
        entry = listed(program, r.diff)
        assert entry is not None and entry.name == name, (name, r.diff)


def test_reproducer_is_a_standalone_script() -> None:
    program = Program("float64", [
        _leaf("v0", "[1.0, 2.0]"),
        Step(("v1 = v0.unsqueeze(0)",), no_grad=True, tags=("nograd_view",))], ["v0", "v1"])
    text = program.reproducer()
    assert text.startswith("def program(T):") and "compare(program" in text
    scope: dict = {}
    exec(compile(text, "<reproducer>", "exec"), scope)  # noqa: S102 - our own text
    assert callable(scope["program"])
    shorter = program.without(1)
    assert shorter is not None and "v1" not in shorter.source()
    assert program.without(0) is None  # v1 needs v0


def test_import_tapegrad_imports_neither_torch_nor_the_fuzzer() -> None:
    code = ("import sys, tapegrad; print('torch' in sys.modules, "
            "'tapegrad.fuzz' in sys.modules, 'hypothesis' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False", "False"]


# ---------------------------------------------------------------- fixed findings
class _Dirty:
    """A custom Function that doubles its input in place and marks it dirty."""

    @staticmethod
    def make(T):
        class DirtyDouble(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2
        return DirtyDouble


def test_mark_dirty_bumps_versions_before_its_leaf_and_view_checks() -> None:
    def program(T):
        fn = _Dirty.make(T)
        out = []
        a = T.ones(2, requires_grad=True)
        b = T.ones(2, requires_grad=True)
        c = T.ones(2, 3, requires_grad=True) * 1
        d = T.ones(2, requires_grad=True) * 1
        for x, y in ((a, a), (b, b[:1]), (c, c.unbind(0)[0]), (d, d[:1])):
            try:
                fn.apply(y)
            except RuntimeError as e:
                print(e)
            print(x._version, y._version)
            out.append(x)
        return out
    assert_parity(program)


def test_repr_wraps_where_torch_wraps() -> None:
    def program(T):
        x = T.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, -0.25]], dtype=T.float64, requires_grad=True)
        print(x)
        print(x * 2)
        print(x.sum(0))
        print(T.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=T.float16))
    assert_parity(program)


def test_var_std_warn_when_degrees_of_freedom_are_not_positive() -> None:
    def program(T):
        T.tensor(1.0).std()
        T.ones(2, 1).var(1)
        T.ones(2, 1).std(1, correction=0)
        T.ones(2, 3).std((0, 1), correction=6)
        return T.ones(1, 2, requires_grad=True).var(0)
    assert_parity(program)


def test_atan2_gradient_is_zero_where_the_radius_underflows() -> None:
    def program(T):
        out = []
        for a, b in ((0.0, 0.0), (1e-200, 0.0), (1e-170, 1e-170), (1.0, 2.0)):
            x = T.tensor(a, dtype=T.float64, requires_grad=True)
            y = T.tensor(b, dtype=T.float64, requires_grad=True)
            out.append(T.autograd.grad(T.atan2(x, y), [x, y]))
        x = T.tensor([0.0, 1.0], requires_grad=True)
        y = T.tensor([0.0, 2.0], requires_grad=True)
        out.append(T.autograd.grad(T.atan2(x, y).sum(), [x, y], create_graph=True))
        return out
    assert_parity(program)


def test_matmul_of_a_batch_and_a_vector_is_not_a_view() -> None:
    def program(T):
        x = T.ones(2, 1, 3, dtype=T.float64, requires_grad=True)
        v = T.ones(3, dtype=T.float64, requires_grad=True)
        y = T.matmul(x, v)
        print(y._base is None)
        y.exp_()
        y.sum().backward()
        return x, v, y
    assert_parity(program)


def test_views_of_multi_output_views_refuse_in_place_and_stale_grad_fn() -> None:
    def program(T):
        v0 = T.tensor([[1.0, 2.0]], dtype=T.float64, requires_grad=True)
        v1, = v0.unbind(0)
        v4 = v1.unsqueeze(1)
        for f in (lambda: v4.__setitem__(0, T.tensor([0.0], dtype=T.float64)),
                  lambda: v4.add_(1), lambda: v4[0].t().mul_(2)):
            try:
                f()
            except RuntimeError as e:
                print(e)
        a = T.ones(2, 3, requires_grad=True) * 1
        u = a.unbind(0)
        a.mul_(2)
        try:
            _ = u[0].grad_fn
        except RuntimeError as e:
            print(e)
        return v0, v4, a
    assert_parity(program)


def test_prod_of_a_0d_tensor_passes_its_gradient_through() -> None:
    def program(T):
        out = []
        for f in (lambda x: x.prod(), lambda x: x.prod(0), lambda x: x.prod(0, keepdim=True)):
            x = T.tensor(2.0, requires_grad=True)
            y = f(x)
            g, = T.autograd.grad(y, [x], create_graph=True)
            out += [y, g]
        return out
    assert_parity(program)


def test_copy_from_a_source_that_does_not_broadcast_raises_torchs_error() -> None:
    def program(T):
        for a, b in (((2, 3), (2,)), ((3,), (2, 3)), ((2, 1), (2, 3)), ((2, 3), (3,))):
            x = T.zeros(a)
            try:
                x.copy_(T.ones(b))
            except RuntimeError as e:
                print(e)
            print(x._version)
        y = T.zeros(2, 3, requires_grad=True)
        try:
            y.copy_(T.ones(2))
        except RuntimeError as e:
            print(e)
        return x, y
    assert_parity(program)


def test_double_backward_graphs_of_erf_and_tensor_pow_use_the_scalar_overloads() -> None:
    def program(T):
        x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
        e = T.tensor(2.0, dtype=T.float64, requires_grad=True)
        return [T.autograd.grad(f.sum(), [x], create_graph=True)
                for f in (x ** e, T.erf(x), T.erfc(x), T.exp2(x))]
    assert_parity(program)


def test_in_place_on_a_view_of_a_leaf_detached_in_place_still_raises() -> None:
    def program(T):
        v0 = T.tensor(0.0, dtype=T.float64, requires_grad=True)
        v2 = v0.unsqueeze(0)
        v0.detach_()
        try:
            v2.exp_()
        except RuntimeError as e:
            print(e)
        return v0, v2
    assert_parity(program)


def test_in_place_with_a_cast_keeps_the_ops_node_and_the_operands_edge() -> None:
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
        a = T.zeros(3)
        a.add_(x)
        b = T.zeros(3)
        b[:2].mul_(2).add_(x[:2])
        (a.sum() + b.sum()).backward()
        return a, b, x
    assert_parity(program)


def test_modified_saved_output_names_the_overload_as_torch_does() -> None:
    def program(T):
        for make in (lambda x: x ** x, lambda x: x.sigmoid(), lambda x: T.pow(2, x)):
            x = T.ones(3, dtype=T.float64, requires_grad=True)
            y = make(x)
            z = y.exp()
            y.add_(1)
            try:
                z.sum().backward()
            except RuntimeError as e:
                print(e)
    assert_parity(program)


def test_norm_double_backward_graph_masks_the_scale_first() -> None:
    def program(T):
        out = []
        for data in (0.0, [1.0, 2.0], [0.0, 0.0], [[1.0, float("nan")], [0.0, -4.0]]):
            x = T.tensor(data, dtype=T.float64, requires_grad=True)
            # dim None or () unsqueezes nothing in torch's norm_backward (no UnsqueezeBackward0);
            # each ord takes its own branch (p < 1, p < 2, inf with its NaN-aware mask).
            for f in (lambda x: x.norm(dim=0), lambda x: T.linalg.vector_norm(x, 3, dim=0),
                      lambda x: x.norm(), lambda x: T.linalg.vector_norm(x, dim=()),
                      lambda x: T.linalg.vector_norm(x, 0.5), lambda x: x.norm(p=1.5),
                      lambda x: T.linalg.vector_norm(x, float("inf")),
                      lambda x: T.linalg.vector_norm(x, 1, dim=-1)):
                out.append(T.autograd.grad(f(x).sum(), [x], create_graph=True))
        out.append(T.sign(T.tensor([float("nan"), -2.0, 0.0])))  # torch's sign(NaN) is 0
        return out
    assert_parity(program)


def test_relu_double_backward_is_threshold_backward() -> None:
    def program(T):
        out = []
        for data in (0.0, [1.0, -2.0, 0.0]):
            x = T.tensor(data, dtype=T.float64, requires_grad=True)
            y = T.relu(x)
            g, = T.autograd.grad(y.sum(), [x], create_graph=True)
            g.sum().backward()
            out += [y, g, x]
        z = T.tensor([1.0, -2.0], requires_grad=True) * 1
        z.relu_()
        z.sum().backward()
        return out, z
    assert_parity(program)


def test_softmax_of_a_0d_nan_or_inf_is_nan() -> None:
    def program(T):
        out = []
        for v in (float("nan"), float("inf"), -1.5):
            x = T.tensor(v, dtype=T.float64, requires_grad=True)
            out += [x.softmax(0), x.log_softmax(-1)]
        return out
    assert_parity(program)


def test_reshape_of_a_non_contiguous_viewable_tensor_is_reshape_alias() -> None:
    def program(T):
        x = T.zeros(2, 3, requires_grad=True)
        ys = [x.reshape(3, 2), x[0].expand(2, 3).reshape(2, 3), x[:, :1].reshape(2),
              x.t().reshape(3, 2), x[1:].reshape(3), x.t().reshape(6), x[:, 1:].flatten()]
        sum(y.sum() for y in ys).backward()
        return ys, x
    assert_parity(program)


def test_in_place_on_an_expanded_view_of_a_leaf_reports_the_leaf_first() -> None:
    def program(T):
        v1 = T.zeros(2, 3, dtype=T.float64, requires_grad=True).expand(2, 2, 3)
        for f in (lambda: v1.exp_(), lambda: v1.detach().exp_()):
            try:
                f()
            except RuntimeError as e:
                print(e)
    assert_parity(program)


def test_var_backward_with_no_degrees_of_freedom_is_nan_not_an_exception() -> None:
    def program(T):
        x = T.tensor(0.0, dtype=T.float64, requires_grad=True)
        y = T.ones(1, 2, dtype=T.float64, requires_grad=True)
        (x.var(0) + y.var(0).sum() + y.std(0).sum()).backward()
        return x, y
    assert_parity(program)


def test_a_leaf_detached_in_place_after_recording_gets_no_grad() -> None:
    def program(T):
        v0 = T.tensor([0.5, 1.0], dtype=T.float64, requires_grad=True)
        w = T.tensor([0.5, 1.0], dtype=T.float64, requires_grad=True)
        v1 = (T.exp(v0) * w).sum()
        v0.detach_()
        v1.backward()
        return v0, w, v1
    assert_parity(program)


def test_a_no_grad_view_of_a_tensor_requiring_grad_reports_it_and_drops_its_gradient() -> None:
    # (Listed as a difference until 2026-12-07.) torch: the view's requires_grad includes its
    # base's, it is a leaf without AccumulateGrad (ops on it record edges to nothing), and
    # once its base is written in place, reading its grad_fn raises.
    def program(T):
        out = []
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=T.float64, requires_grad=True)
        y = x * 1
        with T.no_grad():
            v, u = x.view(4), y[0]
        for t in (v, u):
            z = t * 2
            print(t.requires_grad, t.is_leaf, t.grad_fn, z.grad_fn.next_functions)
            z.sum().backward()
            print(t.grad, x.grad)
        try:
            T.autograd.grad((v * 2).sum(), v)
        except RuntimeError as e:
            print(e)
        y.mul_(2)
        for read in (lambda: u.grad_fn, lambda: u.is_leaf, lambda: u * 2):
            try:
                read()
            except RuntimeError as e:
                print(e)
        print(u.requires_grad)
        out.append(v)
        return out
    assert_parity(program)


def test_grad_with_an_input_upstream_of_another_reaches_both() -> None:
    # autograd.grad(y, [x, h]) with h = f(x): h's node is captured and must still run so the
    # gradient reaches x, whichever order the inputs come in.
    def program(T):
        out = []
        for order in (0, 1):
            x = T.tensor([0.5, -1.0], dtype=T.float64, requires_grad=True)
            h = T.exp(x)
            y = T.exp(h).sum()
            ins = [x, h] if order == 0 else [h, x]
            out.append(T.autograd.grad(y, ins, retain_graph=True))
            out.append(T.autograd.grad(y, ins, allow_unused=True, materialize_grads=True))
        return out
    assert_parity(program)


def test_a_view_of_a_leaf_written_without_history_routes_its_gradient_to_the_leaf() -> None:
    # The leaf is written inside a custom Function's forward (grad off) before mark_dirty
    # refuses it; the older view's regenerated grad_fn (AsStridedBackward0) must reach the
    # leaf's own AccumulateGrad, with torch's grad version (as_strided_backward writes once).
    def program(T):
        class DirtyDouble(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        v0 = T.tensor([0.0, 1.0, 2.0], requires_grad=True)
        v1 = v0.unsqueeze(0)
        try:
            DirtyDouble.apply(v0)
        except RuntimeError as e:
            print(e)
        print(v1.grad_fn)
        v1.sum().backward()
        return v0, v1
    assert_parity(program)


def test_a_view_whose_base_was_detached_in_place_and_written_regenerates_without_an_edge() -> None:
    def program(T):
        v0 = T.tensor([0.5, 2.0], dtype=T.float64, requires_grad=True)
        v1 = v0.reshape(2)
        v0.detach_()
        with T.no_grad():
            v0.mul_(2)
        print(v1.grad_fn, v1.grad_fn.next_functions, v1.requires_grad, v1.is_leaf)
        v1.sum().backward()
        return v0, v1
    assert_parity(program)


def test_matmul_folds_exactly_where_torch_folds() -> None:
    # torch's should_fold: mm/mv over the folded batch when the smaller operand requires grad
    # or the larger one's batch dims are contiguous (also 2-D @ N-D, through a transpose);
    # otherwise expand + bmm (+ squeeze for a vector). mv's gradient is torch's ger (a mul).
    def program(T):
        out = []
        base = T.tensor([[[0.5, -1.0, 2.0]], [[1.5, 0.25, -0.5]]], dtype=T.float64)
        vec = T.tensor([1.0, -2.0, 0.5], dtype=T.float64)
        mat = T.tensor([[1.0, 0.5], [-1.0, 2.0], [0.25, 1.0]], dtype=T.float64)
        for rg_big, rg_small in ((True, False), (False, True), (True, True)):
            a = base.clone().requires_grad_(rg_big)
            v, m = vec.clone().requires_grad_(rg_small), mat.clone().requires_grad_(rg_small)
            for big in (a, a.expand(2, 4, 3), a.mT.mT):
                for small in (v, m):
                    y = T.matmul(big, small)
                    g = T.autograd.grad(y.sum(), [t for t in (a, v, m) if t.requires_grad],
                                        create_graph=True, allow_unused=True)
                    out.append((y, g))
            w = T.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]], dtype=T.float64,
                         requires_grad=rg_small)
            out.append(T.matmul(w, a.expand(2, 3, 3)))  # 2-D @ 3-D
        return out
    assert_parity(program)


def test_var_and_std_backward_take_torchs_branches() -> None:
    # torch's var_backward/std_backward: dim None or a 0-d input use the whole mean (no
    # unsqueeze), 2/dof is mul.Scalar, no degrees of freedom give NaN/inf; std masks the
    # grad / (2 std) where std is 0 before var's formula; forward divides by max(0, n - c).
    def program(T):
        out = []
        for data in (0.0, [0.0, 1.0, 3.0], [[1.0, 2.0, 4.0], [0.0, 0.0, 0.0]]):
            x = T.tensor(data, dtype=T.float64, requires_grad=True)
            for name in ("var", "std"):
                for kw in ({}, {"dim": 0}, {"dim": -1, "keepdim": True}, {"correction": 0},
                           {"dim": 0, "correction": 5}):
                    y = getattr(x, name)(**kw)
                    out.append((y, T.autograd.grad(y.sum(), [x], create_graph=True)))
        return out
    assert_parity(program)


def test_double_backward_graphs_use_atens_scalar_overloads() -> None:
    # A formula's `t + 1`, `t * log(2)`, `t - 1` are ATen's .Scalar overloads (AddBackward1,
    # MulBackward1, SubBackward1) and `1 - t` a filled tensor minus t (SubBackward0).
    def program(T):
        out = []
        for name in ("expm1", "log1p", "tan", "asin", "acos", "atan", "asinh", "atanh",
                     "log2", "log10", "erfinv", "logit"):
            x = T.tensor([0.3, 0.6], dtype=T.float64, requires_grad=True)
            out.append(T.autograd.grad(getattr(T, name)(x).sum(), [x], create_graph=True))
        x = T.tensor([1.3, 1.6], dtype=T.float64, requires_grad=True)
        out.append(T.autograd.grad(T.acosh(x).sum(), [x], create_graph=True))
        out.append(T.autograd.grad(T.nn.functional.silu(x).sum(), [x], create_graph=True))
        return out
    assert_parity(program)


def test_a_view_requires_grad_once_its_base_gains_history() -> None:
    # torch: a view's requires_grad includes its base's; an op on it after the base was
    # written by an op requiring grad records through the regenerated AsStridedBackward0.
    def program(T):
        a = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
        with T.no_grad():
            b = a * 1
        v = b.unsqueeze(0)
        print(v.requires_grad, v.is_leaf)
        b.copy_(a * 2)
        print(v.requires_grad)
        y = (v * 3).sum()
        y.backward()
        return a, b, v, y
    assert_parity(program)


def test_prod_saves_its_result_as_torch_does() -> None:
    # torch's prod backward saves `result`: writing it in place makes backward raise, even for
    # a 0-d input whose gradient passes through.
    def program(T):
        out = []
        for data, dim in ((0.5, 0), ([1.0, 2.0, 3.0], None), ([[1.0, 2.0], [3.0, 4.0]], 1)):
            x = T.tensor(data, dtype=T.float64, requires_grad=True)
            y = x.prod() if dim is None else x.prod(dim)
            print(sorted(a for a in dir(y.grad_fn) if a.startswith("_saved_")))
            y.exp_()
            try:
                y.sum().backward()
            except RuntimeError as e:
                print(e)
            out.append(x)
        return out
    assert_parity(program)


def test_a_no_grad_view_stops_requiring_grad_when_its_base_is_detached_in_place() -> None:
    def program(T):
        v0 = T.tensor([0.0, 1.0, 2.0], dtype=T.float64, requires_grad=True)
        v1 = T.exp(v0)
        with T.no_grad():
            v2, v3, v4 = v1.unbind(0)
        print(v2.requires_grad)
        v1.detach_()
        print(v2.requires_grad, v2.is_leaf)
        return v0, v1, v2
    assert_parity(program)


def test_a_saved_input_detached_in_place_cannot_be_used() -> None:
    # torch's SavedVariable::unpack: an input saved with history that lost it (detach_) raises;
    # a saved output (exp saves its result) does not.
    def program(T):
        out = []
        for make in (lambda a: a.sin(), lambda a: a * a, lambda a: a.exp()):
            x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
            a = x * 2
            b = make(a)
            a.detach_()
            try:
                b.sum().backward()
            except RuntimeError as e:
                print(e)
            out.append(x)
        return out
    assert_parity(program)


def test_views_of_no_grad_views_name_their_node_in_the_in_place_error() -> None:
    # torch's handle_view_on_rebase: "Output 0 of Slice is a view of a view which was created
    # in no_grad mode ..." (the node's name without "Backward0"), direct and indirect.
    def program(T):
        for make, write in ((lambda v: v[:1], "view"), (lambda v: v.t(), "view"),
                            (lambda v: v[0], "view"), (lambda v: v.view(4)[1:], "view"),
                            (lambda v: v[:1], "base"), (lambda v: v[:1], "no_grad view")):
            x = T.ones(3, 2, dtype=T.float64, requires_grad=True)
            a = x * 2
            with T.no_grad():
                v = a[1:]
            w = make(v)
            try:
                if write == "view":
                    w.mul_(2)
                else:
                    (a if write == "base" else v).mul_(2)
                    print(w.grad_fn)
            except RuntimeError as e:
                print(e)
    assert_parity(program)


def test_double_backward_graphs_of_squeeze_and_maximum_are_torchs() -> None:
    # torch's unsqueeze_to (UnsqueezeBackward0 per squeezed dim, nothing when none was) and
    # maximum/minimum's `grad / 2` at ties (div.Scalar: DivBackward1).
    def program(T):
        out = []
        for f in (lambda x: x.squeeze(), lambda x: x.squeeze(1), lambda x: x.squeeze(0),
                  lambda x: x.squeeze((0, 1)), lambda x: x.reshape(2, 3).squeeze(),
                  lambda x: T.atan2(x.squeeze(), x.reshape(2, 3)),
                  lambda x: T.maximum(x, x).exp(), lambda x: T.minimum(x, x * 2)):
            x = T.ones(2, 1, 3, dtype=T.float64, requires_grad=True)
            g, = T.autograd.grad((f(x) ** 2).sum(), x, create_graph=True)
            out.append(g)
        return out
    assert_parity(program)


def test_a_detached_alias_of_a_no_grad_view_may_be_written() -> None:
    # detach() is not a differentiable view: writing it passes torch's check_inplace; the view
    # it aliases then fails when its stale grad_fn is read.
    def program(T):
        v0 = T.tensor([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], dtype=T.float64, requires_grad=True)
        with T.no_grad():
            v1, v2, v3 = v0.unbind(0)
        v5 = v3[0:1]
        v6 = v5.detach()
        v6.exp_()
        print(v5._version, v6._version)
        try:
            T.exp(v5)
        except RuntimeError as e:
            print(e)
        return v0, v5, v6
    assert_parity(program)


def test_fill_zero_and_copy_pass_back_zeros_without_history() -> None:
    # torch's formula is zeros_like(grad): an inf/nan incoming gradient gives 0, and a
    # create_graph backward records nothing behind it.
    def program(T):
        out = []
        for write in (lambda y: y.fill_(0.5), lambda y: y.zero_(),
                      lambda y: y.copy_(T.ones(3, dtype=T.float64))):
            x = T.tensor([0.0, 1.0, 2.0], dtype=T.float64, requires_grad=True)
            y = 2 / x
            write(y)
            g, = T.autograd.grad(y.var(0), [x], create_graph=True)
            out.append(g)
        return out
    assert_parity(program)


def test_version_error_names_torchs_hand_written_nodes_by_their_cpp_names() -> None:
    def program(T):
        for write in (lambda v: v.__setitem__(slice(0, 1), 2.0), lambda v: v.copy_(v.detach())):
            x = T.tensor([0.0, 1.0], dtype=T.float64, requires_grad=True)
            v1 = x.exp()
            v4 = v1.sin()
            write(v1)
            try:
                v4.sum().backward()
            except RuntimeError as e:
                print(e)
    assert_parity(program)


def test_setitem_checks_the_view_it_writes_through() -> None:
    # torch writes `t[i] = v` through the view t[i]: for a no_grad view t that view is a view
    # of a view made in no_grad mode, whose message comes before "a view of a leaf".
    def program(T):
        v0 = T.tensor(0.0, dtype=T.float64, requires_grad=True)
        with T.no_grad():
            v1 = v0.unsqueeze(0)
        for target in (v1, v0.unsqueeze(0).unsqueeze(0), T.zeros(2, dtype=T.float64,
                                                                  requires_grad=True)):
            try:
                target[0] = T.tensor(1.0, dtype=T.float64, requires_grad=True)
            except RuntimeError as e:
                print(e)
        return v0, v1
    assert_parity(program)


def test_a_scalar_fill_may_write_an_expanded_gradient() -> None:
    # Seed 608: a create_graph gradient of a sum is torch's expand of the incoming gradient
    # (stride 0); torch's fill_/zero_ kernels write it, other in-place ops raise.
    def program(T):
        out = []
        for write in (lambda g: g.fill_(0.5), lambda g: g.zero_(), lambda g: g.mul_(2)):
            v0 = T.tensor([0.0, 0.0, 0.0], dtype=T.float64, requires_grad=True)
            g, = T.autograd.grad((v0 + 2).sum(), [v0], create_graph=True)
            try:
                write(g)
            except RuntimeError as e:
                print(type(e).__name__, e)
            out += [g, g._version, g.stride()]
        return out
    assert_parity(program)
