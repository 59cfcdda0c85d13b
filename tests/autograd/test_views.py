"""Views and aliasing: shared storage and versions, in-place through views, CopySlices."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity

VIEWS = {
    "view": lambda x: x.view(6),
    "reshape": lambda x: x.reshape(3, 2),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "permute": lambda x: x.permute(1, 0),
    "slice": lambda x: x[:, 1:],
    "slice_step": lambda x: x[:, ::2],
    "select": lambda x: x[1],
    "select_col": lambda x: x[:, 2],
    "narrow": lambda x: x.narrow(1, 0, 2),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x.unsqueeze(1).squeeze(1),
    "diagonal": lambda x: x.diagonal(),
    "unbind": lambda x: x.unbind(0)[1],
    "split": lambda x: x.split(2, 1)[1],
    "chunk": lambda x: x.chunk(3, 1)[0],
    "detach": lambda x: x.detach(),
    "view_of_view": lambda x: x[1:].t()[1:],
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_write_through_view_is_seen_by_base_and_versions_are_shared(name):
    make = VIEWS[name]

    def program(T):
        x = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        v = make(x)
        v.mul_(10)
        print(x, x._version, v._version)
        x.add_(1)
        print(v, v._version)
        return x, v

    assert_parity(program)


@pytest.mark.parametrize("name", sorted(set(VIEWS) - {"detach"}))
def test_inplace_on_view_of_non_leaf_gives_torch_gradients(name):
    make = VIEWS[name]

    def program(T):
        w = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        base = w * 1
        v = make(base)
        v.mul_(v.detach() + 2)
        print(base.grad_fn, v.grad_fn)
        (base * T.arange(6.0).view(2, 3)).sum().backward()
        return w, base, v

    assert_parity(program)


def test_copy_into_slice_of_zeros_routes_gradient_to_source():
    def program(T):
        s = T.tensor([1.0, 2.0], requires_grad=True)
        z = T.zeros(3)
        z[1:].mul_(s)
        z2 = T.zeros(2)
        z2.copy_(s)
        (z.sum() + (z2 * 3).sum()).backward()
        print(z.grad_fn, z2.grad_fn)
        return s, z, z2

    assert_parity(program)


def test_setitem_on_non_leaf_is_copy_slices():
    def program(T):
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        u = x * 1
        u[0] = T.tensor([5.0, 6.0])
        u[:, 1] = u[:, 0] * 2
        u.sum().backward()
        return x, u

    assert_parity(program)


@pytest.mark.parametrize("case", ["view_of_leaf", "select_of_leaf", "expanded",
                                  "no_grad_view", "no_grad_view_of_leaf", "detached_view_leaf"])
def test_inplace_on_view_errors_match_torch(case):
    def program(T):
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        if case == "view_of_leaf":
            x.view(4).add_(1)
        elif case == "select_of_leaf":
            x[0].mul_(2)
        elif case == "expanded":
            T.zeros(1).expand(3).add_(1)
        elif case == "detached_view_leaf":  # a leaf over a view's storage is still a leaf
            T.zeros(6)[:3].detach().requires_grad_().add_(1)
        elif case == "no_grad_view":
            z = x.clone()
            with T.no_grad():
                zz = z.view(4)
            zz.mul_(2)
        else:
            with T.no_grad():
                vv = x.view(4)
            vv.mul_(2)

    assert_parity(program)


def test_inplace_on_view_in_no_grad_is_allowed_and_shared():
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with T.no_grad():
            x[1:].mul_(2)
            x.view(3, 1)[0, 0] = 7
        print(x, x._version, x.is_leaf, x.requires_grad)
        (x * x).sum().backward()
        return x

    assert_parity(program)


def test_saved_view_modified_through_base_raises_version_error():
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = x * 1
        v = b[1:]
        y = v * v
        b.add_(1)
        y.sum().backward()

    assert_parity(program)


def test_data_does_not_share_version_but_shares_values():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        d = x.data
        d.mul_(3)
        print(x, x._version, d._version)
        x.detach().add_(1)
        print(x, x._version, d._version)
        return x

    assert_parity(program)


INPLACE = {
    "add_": lambda T, t: t.add_(2), "sub_": lambda T, t: t.sub_(1, alpha=2),
    "mul_": lambda T, t: t.mul_(3), "div_": lambda T, t: t.div_(2),
    "pow_": lambda T, t: t.pow_(2), "exp_": lambda T, t: t.exp_(),
    "abs_": lambda T, t: t.abs_(), "neg_": lambda T, t: t.neg_(),
    "sqrt_": lambda T, t: t.abs_().sqrt_(), "relu_": lambda T, t: t.relu_(),
    "clamp_": lambda T, t: t.clamp_(-0.5, 0.5), "zero_": lambda T, t: t.zero_(),
    "fill_": lambda T, t: t.fill_(3.0), "copy_": lambda T, t: t.copy_(T.tensor([9.0, 8.0])),
    "copy_broadcast_cast": lambda T, t: t.copy_(T.tensor(7)),
    "masked_fill_": lambda T, t: t.masked_fill_(t > 0, 1.0),
    "index_add_": lambda T, t: t.index_add_(0, T.tensor([1, 1]), T.tensor([1.0, 2.0])),
    "scatter_": lambda T, t: t.scatter_(0, T.tensor([1]), T.tensor([5.0])),
    "setitem": lambda T, t: t.__setitem__(0, 4.0),
    "iadd": lambda T, t: t.__iadd__(1), "imul": lambda T, t: t.__imul__(T.tensor([2.0, 3.0])),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_method_values_versions_and_rebase(name):
    op = INPLACE[name]

    def program(T):
        plain = T.tensor([-1.5, 2.0])
        op(T, plain)
        w = T.tensor([-1.5, 2.0], requires_grad=True)
        h = w * 1
        op(T, h)
        print(plain, plain._version, h, h._version)
        h.sum().backward()
        return plain, w, h

    assert_parity(program)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_leaf_requiring_grad_raises(name):
    op = INPLACE[name]

    def program(T):
        w = T.tensor([-1.5, 2.0], requires_grad=True)
        op(T, w)

    assert_parity(program)


def test_view_used_after_base_inplace_routes_gradient_through_new_history():
    # torch regenerates the view's grad_fn (AsStridedBackward0) from the base's new history.
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = x * 1
        v = b[1:]
        b.mul_(2)
        y = v * 3
        print(v.grad_fn)
        y.sum().backward()
        return x, v, y

    assert_parity(program)


def test_multi_output_view_inplace_without_grad_is_fine():
    def program(T):
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]])
        a, b = x.unbind(0)
        b.mul_(5)
        c, d = x.split(1, 1)
        c.zero_()
        return x
    assert_parity(program)


# torch's handle_view_on_rebase for a view without history: a view of a tensor that does not
# require grad, made by an op returning several views or under no_grad, may not be written
# in place by an op whose other operand requires grad (torch's wording mixes both metas).
_NO_HISTORY_VIEWS = {
    "unbind": lambda T, b: b.unbind(0)[0],
    "split": lambda T, b: b.split(1)[0][0],
    "chunk_then_slice": lambda T, b: b.chunk(2)[1][0][1:],
    "select": lambda T, b: b[0],
}


@pytest.mark.parametrize("view", sorted(_NO_HISTORY_VIEWS))
@pytest.mark.parametrize("made_in", ["grad", "no_grad"])
@pytest.mark.parametrize("write", ["mul_grad", "mul_const", "copy_grad", "setitem_grad",
                                   "setitem_bad_shape", "fill_grad"])
def test_inplace_on_view_without_history_matches_torch(view, made_in, write):
    def program(T):
        y = T.tensor([2.0, 3.0, 4.0], requires_grad=True)
        base = T.ones(2, 3).clone()
        if made_in == "no_grad":
            with T.no_grad():
                v = _NO_HISTORY_VIEWS[view](T, base)
        else:
            v = _NO_HISTORY_VIEWS[view](T, base)
        n = v.shape[-1]
        if write == "mul_grad":
            v.mul_(y[:n])
        elif write == "mul_const":
            v.mul_(2)
        elif write == "copy_grad":
            v.copy_(y[:n])
        elif write == "setitem_grad":
            v[:1] = y[:1]
        elif write == "setitem_bad_shape":
            v[:1] = y  # torch's expand error comes before autograd's view checks
        else:
            v.fill_(y[0])
        return base, v

    assert_parity(program)


# A root or an `inputs=` tensor that is a view reads its grad_fn as torch's gradient_edge does:
# regenerated after an in-place write on its base, or torch's error for a multi-output view
# (found by the fuzzer, seed 605).
def test_view_roots_and_inputs_read_the_regenerated_grad_fn():
    def program(T):
        v0 = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=T.float64, requires_grad=True)
        v0.register_hook(lambda g: print("hook", tuple(g.shape)))
        v1, v2 = v0.unbind(0)
        with T.no_grad():
            v0.exp_()
        try:
            v1.backward(T.full_like(v1, 0.5))
        except RuntimeError as e:
            print(type(e).__name__, e)
        x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
        y = x * 1
        v = y[0:2]
        out = (v * v).sum()
        y.mul_(2)
        v.backward(T.ones(2), retain_graph=True)
        print(x.grad, v.grad_fn.name())
        try:
            T.autograd.grad(out, [v])
        except RuntimeError as e:
            print(type(e).__name__, e)
        return [v0, v1, v2, x, y, v, out], []
    assert_parity(program)


# A gradient the backward made as a view (sum's expand, a reshape's view) was made with grad
# mode off: an in-place op that would give it history raises torch's no_grad-view error, on
# the fused path, node by node (a hook, anomaly mode) and not under create_graph (fuzzer,
# seed 605).
def test_gradient_views_made_by_backward_are_no_grad_views():
    def program(T):
        for mode in ("fused", "hook", "anomaly", "create_graph"):
            v0 = T.tensor([0.0, 0.0], dtype=T.float64, requires_grad=True)
            v1 = v0.reshape(2)
            root = v1.sum()
            if mode == "hook":
                root.register_hook(lambda g: None)
            with T.autograd.set_detect_anomaly(mode == "anomaly"):
                g, = T.autograd.grad(root, [v0], create_graph=mode == "create_graph")
            print(mode, g._base is not None, g.requires_grad)
            try:
                g.add_(v0)
            except RuntimeError as e:
                print(type(e).__name__, e)
            print(g.requires_grad, g.grad_fn is not None)
        return [v0, g], []
    assert_parity(program)


# torch's CopySlices drops its fn when the graph is freed: a second backward through it raises
# before any gradient reaches a leaf (tapegrad ran it again and filled `.grad`) (fuzzer,
# seed 606).
def test_copy_slices_raises_after_its_graph_was_freed():
    def program(T):
        v0 = T.zeros(2, 3, dtype=T.float64, requires_grad=True)
        v1 = v0 * 2
        g2, = T.autograd.grad(v0.sum(), [v1], create_graph=True, allow_unused=True,
                              materialize_grads=True)
        v1.unsqueeze(0).add_(g2)
        T.autograd.grad(v1.sum(), [v0])
        try:
            v1.sum().backward()
        except RuntimeError as e:
            print(e)
        w = T.zeros(3, dtype=T.float64, requires_grad=True) * 1
        w[1:].mul_(T.tensor([2.0, 3.0], dtype=T.float64, requires_grad=True))
        w.sum().backward(retain_graph=True)
        w.sum().backward()
        return [v0, v1, g2, w], []
    assert_parity(program)


# A gradient a backward made as a view of another (squeeze of a captured gradient): once its
# base is written in place with history, reading its grad_fn is torch's indirect no_grad-view
# error (fuzzer, seed 606).
def test_gradient_view_after_its_base_gained_history():
    def program(T):
        v0 = T.tensor(0.0, dtype=T.float64, requires_grad=True)
        v1 = v0.unsqueeze(0)
        v2 = v1.max(0).values
        g4, g5 = T.autograd.grad(v2, [v1, v0])
        print(g5._base is g4)
        g4.add_(v0)
        try:
            print(g5.grad_fn)
        except RuntimeError as e:
            print(e)
        return [v0, v1, v2, g4], []
    assert_parity(program)


# torch's in-place ops save `original_self = self.clone()` where the formula reads self: a
# create_graph backward reaches self's history through a CloneBackward0 (fuzzer, seed 606).
def test_inplace_ops_save_a_recorded_clone_of_self():
    def program(T):
        v0 = T.tensor(0.5, dtype=T.float64, requires_grad=True)
        v1 = v0 + v0
        v1.sin_()
        g2, = T.autograd.grad(v1, [v0], create_graph=True)
        print(v1.grad_fn._saved_self.grad_fn.name())
        g2.backward()
        w = v0 * 3
        w.mul_(v0)
        w.pow_(2)
        gw, = T.autograd.grad(w, [v0], create_graph=True)
        gw.backward()
        x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
        y = x * 1
        y[0:1].mul_(y[1:2].detach() + 1)
        gy, = T.autograd.grad(y.sum(), [x], create_graph=True)
        return [v0, v1, g2, w, gw, x, y, gy], []
    assert_parity(program)


# With saved-tensor hooks active, an in-place op packs what torch's packs, in its order: its
# clone of self (CloneBackward0) where the formula reads self, and the target itself after
# the write for a saved result, so a later write into the target is what the identity hook's
# unpack returns (torch's double backward then reads the modified values); a saved leaf comes
# back without a grad_fn (found while testing the clone above).
def test_inplace_ops_under_saved_tensor_hooks_pack_as_torch():
    def program(T):
        log = []
        v0 = T.tensor([0.5, 1.5], dtype=T.float64, requires_grad=True)
        other = T.tensor([2.0, 3.0], dtype=T.float64, requires_grad=True)

        def pack(t):
            log.append(("pack", tuple(t.shape), t.grad_fn.name() if t.grad_fn else None))
            return t

        with T.autograd.graph.saved_tensors_hooks(pack, lambda t: log.append("unpack") or t):
            w = v0 * 3
            w.mul_(other)
            w.sin_()
            w.exp_()
            w.add_(other)
            w.pow_(2)
            u = v0 * 1
            u.mul_(2.0)
            u.addcmul_(other, other)
            gw = T.autograd.grad((w + u).sum(), [v0, other], create_graph=True)[0]
        gw.sum().backward()
        return [v0, other, w, u, gw], log
    assert_parity(program)


def test_is_view_as_torch():
    def program(T):
        x = T.ones(2, 3, requires_grad=True)
        made = [x, x.detach(), x.data, x.clone(), x.view(6).detach()]
        made += [f(x) for f in VIEWS.values()] + [x.unbind(0)[0], x.view(6).view(3, 2)]
        return [t._is_view() for t in made]
    assert_parity(program)
