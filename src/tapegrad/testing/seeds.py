"""The programs of the seed documents (../shared/seeds/), each written once as `program(T)`.

Each runs under `T=torch` and `T=tapegrad` and must print and return the same. The source
article is named in each docstring; code is as the article wrote it (its typos fixed only
where the article itself shows the fixed form).
"""

from __future__ import annotations


def seed000_is_leaf(T):
    """000 §2: user-made tensors are leaves, op results are not."""
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x ** 2
    z = y.sum()
    print(x.is_leaf)
    print(y.is_leaf)
    print(z.is_leaf)
    return x, y, z


def seed000_leaf_grad(T):
    """000 §5: only the leaf gets .grad; reading a non-leaf's .grad warns and gives None."""
    x = T.tensor([2.0, 3.0], requires_grad=True)
    y = x ** 2
    z = y.sum()
    z.backward()
    print("x 是否是叶子节点:", x.is_leaf)
    print("y 是否是叶子节点:", y.is_leaf)
    print("x 的梯度:", x.grad)
    print("y 的梯度:", y.grad)
    return x, y, z


def _graph(T, retain=False):
    w = T.tensor([1.], requires_grad=True)
    x = T.tensor([2.], requires_grad=True)
    a = T.add(w, x)
    if retain:
        a.retain_grad()
    b = T.add(w, 1)
    y = T.mul(a, b)
    return w, x, a, b, y


def seed001_graph(T):
    """001: y = (w + x) * (w + 1); is_leaf and grads, non-leaf grads are None."""
    w, x, a, b, y = _graph(T)
    y.backward()
    print(w.grad)
    print("is_leaf:\n", w.is_leaf, x.is_leaf, a.is_leaf, b.is_leaf, y.is_leaf)
    print("gradient:\n", w.grad, x.grad, a.grad, b.grad, y.grad)
    return w, x, a, b, y


def seed001_graph_retain_grad(T):
    """001: the same graph with a.retain_grad(): a.grad is kept."""
    w, x, a, b, y = _graph(T, retain=True)
    y.backward()
    print(w.grad)
    print("is_leaf:\n", w.is_leaf, x.is_leaf, a.is_leaf, b.is_leaf, y.is_leaf)
    print("gradient:\n", w.grad, x.grad, a.grad, b.grad, y.grad)
    return w, x, a, b, y


def seed001_grad_fn(T):
    """001: grad_fn of each node (None for leaves, AddBackward0, MulBackward0)."""
    w, x, a, b, y = _graph(T, retain=True)
    y.backward()
    print("gradient function:\n", w.grad_fn, '\n', x.grad_fn, '\n', a.grad_fn, '\n', b.grad_fn,
          '\n', y.grad_fn)
    return y.grad_fn, a.grad_fn, b.grad_fn


def seed001_backward_twice(T):
    """001: a second backward without retain_graph raises."""
    w, x, a, b, y = _graph(T, retain=True)
    y.backward()
    y.backward()


def seed001_retain_graph(T):
    """001: retain_graph=True allows the second backward (grads accumulate)."""
    w, x, a, b, y = _graph(T, retain=True)
    y.backward(retain_graph=True)
    y.backward()
    print(w.grad, x.grad, a.grad)
    return w, x, a


def _weighted(T, weights):
    w = T.tensor([1.], requires_grad=True)
    x = T.tensor([2.], requires_grad=True)
    a = T.add(w, x)
    b = T.add(w, 1)
    y0 = T.mul(a, b)
    y1 = T.add(a, b)
    loss = T.cat([y0, y1], dim=0)
    grad_tensors = T.tensor(weights)
    loss.backward(gradient=grad_tensors)
    print(w.grad)
    return w, x, loss


def seed001_gradient_weights_1_2(T):
    """001: gradient=[1., 2.] weights y0 + 2*y1: w.grad is 9."""
    return _weighted(T, [1., 2.])


def seed001_gradient_weights_1_3(T):
    """001: gradient=[1., 3.]: w.grad is 11."""
    return _weighted(T, [1., 3.])


def seed001_autograd_grad_create_graph(T):
    """001: autograd.grad with create_graph: 6 (grad_fn=MulBackward0), then 2."""
    x = T.tensor([3.], requires_grad=True)
    y = T.pow(x, 2)
    grad_1 = T.autograd.grad(y, x, create_graph=True)
    print(grad_1)
    grad_2 = T.autograd.grad(grad_1, x)
    print(grad_2)
    return grad_1, grad_2


def seed001_grad_accumulates(T):
    """001: grads are never zeroed implicitly: 8, 16, 24, 32."""
    w = T.tensor([1.], requires_grad=True)
    x = T.tensor([2.], requires_grad=True)
    for i in range(4):
        a = T.add(w, x)
        b = T.mul(w, x)
        y = T.mul(a, b)
        y.backward()
        print("w's grad: ", w.grad)
    return w, x


def seed001_grad_zero(T):
    """001: with w.grad.zero_() after each print: 8, 8, 8, 8."""
    w = T.tensor([1.], requires_grad=True)
    x = T.tensor([2.], requires_grad=True)
    for i in range(4):
        a = T.add(w, x)
        b = T.mul(w, x)
        y = T.mul(a, b)
        y.backward()
        print("w's grad: ", w.grad)
        w.grad.zero_()
    return w, x


def seed001_requires_grad_propagates(T):
    """001 §2: results of ops on tensors requiring grad require grad too."""
    w = T.tensor([1.], requires_grad=True)
    x = T.tensor([2.], requires_grad=True)
    a = T.add(w, x)
    b = T.mul(w, x)
    y = T.mul(a, b)
    print(a.requires_grad, b.requires_grad, y.requires_grad)
    return a, b, y


def seed001_no_requires_grad_backward(T):
    """001 §2: without requires_grad on the leaves, y.backward() fails."""
    w = T.tensor([1.])
    x = T.tensor([2.])
    a = T.add(w, x)
    b = T.mul(w, x)
    y = T.mul(a, b)
    y.backward()


def seed001_add_(T):
    """001 §3: t.add_(3.) works in place on a plain tensor."""
    t = T.tensor([1., 2.])
    t.add_(3.)
    print(t)
    return t


def seed001_abs_(T):
    """001 §3: t.abs_() works in place."""
    t = T.tensor([-1., -2.])
    t.abs_()
    print(t)
    return t


def seed001_leaf_inplace_error(T):
    """001 §3: in-place on a leaf that requires grad raises."""
    w = T.tensor([1.], requires_grad=True)
    x = T.tensor([2.], requires_grad=True)
    a = T.add(w, x)
    b = T.mul(w, x)
    y = T.mul(a, b)
    w.add_(1)
    y.backward()


def seed002_graph(T):
    """002: the w/x graph with a.retain_grad(): is_leaf, grads, grad_fn."""
    w = T.tensor([1.], requires_grad=True)
    x = T.tensor([2.], requires_grad=True)
    a = T.add(w, x)
    a.retain_grad()
    b = T.add(w, 1)
    y = T.mul(a, b)
    y.backward()
    print("is_leaf:", w.is_leaf, x.is_leaf, a.is_leaf, b.is_leaf, y.is_leaf)
    print("grad:", w.grad, x.grad, a.grad, b.grad, y.grad)
    print("grad_fn:", w.grad_fn, x.grad_fn, a.grad_fn, b.grad_fn, y.grad_fn)
    return w, x, a, b, y


def seed003_requires_grad_flows(T):
    """003: one input requiring grad makes every later node require it; b gets no grad."""
    a = T.tensor([1., 2.], requires_grad=True)
    b = T.tensor([3., 4.])
    c = a * b
    d = c + b
    d.sum().backward()
    print(c.requires_grad, d.requires_grad, b.requires_grad, b.grad, a.grad)
    return a, b, c, d


def seed003_version_counter_error(T):
    """003: _version guards saved activations: modifying one in place breaks backward."""
    x = T.tensor([1., 2.], requires_grad=True)
    y = x * 2
    z = y.exp()
    print(y._version, z._version)
    z.add_(1)
    print(y._version, z._version)
    z.sum().backward()


def seed003_add_saves_nothing(T):
    """003: an op that saves nothing (add) is not affected by later in-place writes."""
    x = T.tensor([1., 2.], requires_grad=True)
    y = x * 2
    z = y + 1
    y.mul_(3)
    print(y._version, y)
    z.sum().backward()
    print(x.grad)
    return x, y, z


def seed003_mul_saved_input_error(T):
    """003: mul saves its inputs, so writing into one before backward raises."""
    x = T.tensor([1., 2.], requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    z.sum().backward()


def seed003_detach_shares_data(T):
    """003: detach() shares data (and the version counter) but has no grad_fn."""
    x = T.tensor([1., 2.], requires_grad=True)
    y = x * 2
    d = y.detach()
    print(d, d.requires_grad, d.grad_fn, d.is_leaf)
    d.zero_()
    print(y, y._version, d._version)
    return y, d


def seed004_broken_call(T):
    """004: the article's first line, as written, is a TypeError."""
    x = T.tensor([1.0, 0.], [-1., 1.], requires_grad=True)
    return x


def seed004_pow_sum(T):
    """004: x.pow(2).sum() on a 2x2 gives grad 2x = [[2, 0], [-2, 2]]."""
    x = T.tensor([[1.0, 0.], [-1., 1.]], requires_grad=True)
    z = x.pow(2).sum()
    z.backward()
    print(x.grad)
    return x, z


PROGRAMS = [v for k, v in sorted(globals().items()) if k.startswith("seed") and callable(v)]
