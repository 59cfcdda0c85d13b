"""The recipes of PyTorch's own tutorials, in programs written for tapegrad (not the
tutorials' code): each runs under torch and tapegrad with only the module swapped and must
print and return the same (tapegrad.testing.compare). Sizes are small; float64 where a
training run is compared step by step.

Covered recipes: tensors and manual gradients of a polynomial fit (examples_tensor), the
same with autograd and a custom Function (examples_autograd), nn.Sequential with an optimizer
(examples_nn), the blitz autograd tutorial (vector-Jacobian products, no_grad, detach), the
nn-tutorial refactoring path (functional model -> nn.Module -> optim -> TensorDataset and
DataLoader), the NLP tutorials (bag-of-words classifier, n-gram language model with
embeddings, LSTM tagger), a double-backward custom Function, and torch.func's jacobians and
hessians, per-sample gradients, neural tangent kernel and model ensembling, and saving and
loading a general checkpoint (T.save / T.load of model and optimizer state).
"""

from __future__ import annotations

import io
import math



def polynomial_fit_manual(T):
    # examples_tensor: fit a cubic to sin(x) by hand-written gradients.
    x = T.linspace(-math.pi, math.pi, 200, dtype=T.float64)
    y = T.sin(x)
    a, b, c, d = (T.tensor(v, dtype=T.float64) for v in (0.1, -0.2, 0.3, 0.05))
    lr = 1e-6
    for t in range(300):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        if t % 100 == 99:
            print(t, round(loss, 6))
        grad_y_pred = 2.0 * (y_pred - y)
        a = a - lr * grad_y_pred.sum()
        b = b - lr * (grad_y_pred * x).sum()
        c = c - lr * (grad_y_pred * x ** 2).sum()
        d = d - lr * (grad_y_pred * x ** 3).sum()
    return a, b, c, d


def polynomial_fit_autograd(T):
    # examples_autograd: the same with requires_grad, backward and no_grad updates.
    x = T.linspace(-math.pi, math.pi, 200, dtype=T.float64)
    y = T.sin(x)
    w = [T.tensor(v, dtype=T.float64, requires_grad=True) for v in (0.1, -0.2, 0.3, 0.05)]
    for t in range(300):
        y_pred = w[0] + w[1] * x + w[2] * x ** 2 + w[3] * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, round(loss.item(), 6))
        loss.backward()
        with T.no_grad():
            for p in w:
                p -= 1e-6 * p.grad
                p.grad = None
    return w


def legendre_function(T):
    # examples_autograd: a custom Function (P3 Legendre polynomial) in the model.
    class P3(T.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    x = T.linspace(-1.0, 1.0, 50, dtype=T.float64)
    y = T.sin(x)
    a = T.tensor(0.0, dtype=T.float64, requires_grad=True)
    b = T.tensor(-1.0, dtype=T.float64, requires_grad=True)
    for _ in range(50):
        y_pred = a + b * P3.apply(x * 0.5 + 0.1)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with T.no_grad():
            a -= 5e-3 * a.grad
            b -= 5e-3 * b.grad
            a.grad = None
            b.grad = None
    return a, b, loss, y_pred.grad_fn.name()


def sequential_nn(T):
    # examples_nn: features as powers, nn.Sequential(Linear, Flatten), MSELoss, RMSprop.
    T.manual_seed(0)
    x = T.linspace(-math.pi, math.pi, 100, dtype=T.float64)
    y = T.sin(x)
    xx = x.unsqueeze(-1).pow(T.tensor([1, 2, 3]))
    model = T.nn.Sequential(T.nn.Linear(3, 1), T.nn.Flatten(0, 1)).double()
    with T.no_grad():
        model[0].weight.copy_(T.tensor([[0.1, -0.05, 0.02]], dtype=T.float64))
        model[0].bias.fill_(0.01)
    loss_fn = T.nn.MSELoss(reduction="sum")
    opt = T.optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(60):
        loss = loss_fn(model(xx), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses[::10], model[0].weight, model[0].bias


def blitz_autograd(T):
    # The blitz autograd tutorial: grads of a vector output, requires_grad flags, detach.
    x = T.tensor([2.0, 3.0, -1.0], requires_grad=True)
    y = x * 2
    while y.data.norm() < 100:
        y = y * 2
    v = T.tensor([0.1, 1.0, 0.0001])
    y.backward(v)
    a = T.tensor([1.0, 2.0], requires_grad=True)
    b = T.tensor([6.0, 4.0], requires_grad=True)
    q = 3 * a ** 3 - b ** 2
    q.backward(gradient=T.ones(2))
    with T.no_grad():
        z = x * 2
    d = x.detach()
    return (x.grad, a.grad, b.grad, 9 * a ** 2 == a.grad, -2 * b == b.grad, z.requires_grad,
            d.requires_grad, x.eq(d).all(), y.grad_fn.name())


def nn_tutorial(T):
    # The nn tutorial: a hand-written logistic model, then nn.Module + optim + DataLoader.
    g = T.Generator().manual_seed(0)
    x = T.linspace(0, 1, 64 * 6, dtype=T.float64).reshape(64, 6).sin()
    y = (T.arange(64) % 3)
    w = T.zeros(6, 3, dtype=T.float64, requires_grad=True)
    b = T.zeros(3, dtype=T.float64, requires_grad=True)

    def model(xb):
        return (xb @ w + b).log_softmax(-1)

    def nll(pred, target):
        return -pred[range(target.shape[0]), target].mean()

    for i in range(0, 64, 16):
        loss = nll(model(x[i:i + 16]), y[i:i + 16])
        loss.backward()
        with T.no_grad():
            w -= 0.5 * w.grad
            b -= 0.5 * b.grad
            w.grad.zero_()
            b.grad.zero_()
    first = loss.item()

    class Logistic(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = T.nn.Linear(6, 3)

        def forward(self, xb):
            return self.lin(xb)

    net = Logistic().double()
    with T.no_grad():
        net.lin.weight.copy_(T.linspace(-0.3, 0.3, 18, dtype=T.float64).reshape(3, 6))
        net.lin.bias.zero_()
    opt = T.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    ds = T.utils.data.TensorDataset(x, y)
    dl = T.utils.data.DataLoader(ds, batch_size=16, shuffle=False)
    losses = []
    for _ in range(3):
        net.train()
        for xb, yb in dl:
            loss = T.nn.functional.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        net.eval()
        with T.no_grad():
            losses.append(sum(T.nn.functional.cross_entropy(net(xb), yb) for xb, yb in dl)
                          / len(dl))
    _ = g
    return first, losses, net.lin.weight


def bag_of_words(T):
    # NLP tutorial: a bag-of-words classifier (Linear + log_softmax + NLLLoss, SGD).
    data = [("me gusta comer en la cafeteria".split(), 0), ("give it to me".split(), 1),
            ("no creo que sea una buena idea".split(), 0), ("no it is not a good idea".split(), 1)]
    vocab = {}
    for sent, _ in data:
        for word in sent:
            vocab.setdefault(word, len(vocab))

    def bow(sent):
        vec = T.zeros(len(vocab), dtype=T.float64)
        for word in sent:
            vec[vocab[word]] += 1
        return vec.view(1, -1)

    lin = T.nn.Linear(len(vocab), 2).double()
    with T.no_grad():
        lin.weight.copy_(T.linspace(-0.2, 0.2, 2 * len(vocab), dtype=T.float64)
                         .reshape(2, len(vocab)))
        lin.bias.zero_()
    loss_fn = T.nn.NLLLoss()
    opt = T.optim.SGD(lin.parameters(), lr=0.1)
    for _ in range(20):
        for sent, label in data:
            lin.zero_grad()
            log_probs = T.nn.functional.log_softmax(lin(bow(sent)), dim=1)
            loss = loss_fn(log_probs, T.tensor([label]))
            loss.backward()
            opt.step()
    with T.no_grad():
        return [T.nn.functional.log_softmax(lin(bow(s)), dim=1) for s, _ in data]


def ngram_language_model(T):
    # NLP tutorial: an n-gram language model with nn.Embedding, Linear, relu, NLLLoss.
    text = "when forty winters shall besiege thy brow and dig deep trenches in thy".split()
    ngrams = [((text[i - 2], text[i - 1]), text[i]) for i in range(2, len(text))]
    vocab = {w: i for i, w in enumerate(sorted(set(text)))}

    class NGram(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = T.nn.Embedding(len(vocab), 4)
            self.l1 = T.nn.Linear(8, 16)
            self.l2 = T.nn.Linear(16, len(vocab))

        def forward(self, idx):
            h = self.emb(idx).view(1, -1)
            return T.nn.functional.log_softmax(self.l2(T.relu(self.l1(h))), dim=1)

    model = NGram().double()
    with T.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(T.linspace(-0.5, 0.5, p.numel(), dtype=T.float64).reshape(p.shape)
                    .roll(i) * 0.7)
    opt = T.optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for _ in range(3):
        total = 0.0
        for context, target in ngrams:
            idx = T.tensor([vocab[w] for w in context], dtype=T.long)
            model.zero_grad()
            loss = T.nn.functional.nll_loss(model(idx), T.tensor([vocab[target]]))
            loss.backward()
            opt.step()
            total += loss.item()
        losses.append(round(total, 8))
    return losses, model.emb.weight[vocab["thy"]]


def lstm_tagger(T):
    # NLP tutorial: an LSTM part-of-speech tagger.
    sents = [("the dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
             ("everybody read that book".split(), ["NN", "V", "DET", "NN"])]
    words = {w: i for i, w in enumerate(sorted({w for s, _ in sents for w in s}))}
    tags = {"DET": 0, "NN": 1, "V": 2}

    class Tagger(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = T.nn.Embedding(len(words), 5)
            self.lstm = T.nn.LSTM(5, 4)
            self.out = T.nn.Linear(4, 3)

        def forward(self, sentence):
            e = self.emb(sentence)
            h, _ = self.lstm(e.view(len(sentence), 1, -1))
            return T.nn.functional.log_softmax(self.out(h.view(len(sentence), -1)), dim=1)

    model = Tagger().double()
    with T.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(T.linspace(-0.4, 0.4, p.numel(), dtype=T.float64).reshape(p.shape)
                    .roll(i + 1))
    opt = T.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(4):
        for s, t in sents:
            model.zero_grad()
            scores = model(T.tensor([words[w] for w in s]))
            loss = T.nn.NLLLoss()(scores, T.tensor([tags[x] for x in t]))
            loss.backward()
            opt.step()
            losses.append(loss.item())
    with T.no_grad():
        return losses, model(T.tensor([words[w] for w in sents[0][0]])).argmax(1)


def double_backward_function(T):
    # The double-backward tutorial: a custom Function whose backward is differentiable.
    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 2 * x

    x = T.tensor([1.5, -0.5, 2.0], dtype=T.float64, requires_grad=True)
    y = Square.apply(x).sum()
    (g,) = T.autograd.grad(y, x, create_graph=True)
    (gg,) = T.autograd.grad(g.sum(), x)
    ok = T.autograd.gradcheck(Square.apply, (x,)) and T.autograd.gradgradcheck(Square.apply,
                                                                                (x,))
    return g, gg, ok, g.grad_fn.name()


def func_jacobians_hessians(T):
    # torch.func tutorial: jacrev, jacfwd, hessian, vmap of a jacobian.
    def predict(weight, bias, x):
        return T.nn.functional.linear(x, weight, bias).tanh()

    w = T.linspace(-1, 1, 12, dtype=T.float64).reshape(3, 4)
    b = T.linspace(0, 0.3, 3, dtype=T.float64)
    x = T.linspace(-0.5, 0.5, 4, dtype=T.float64)
    j1 = T.func.jacrev(predict, argnums=2)(w, b, x)
    j2 = T.func.jacfwd(predict, argnums=2)(w, b, x)
    jw, jb = T.func.jacrev(predict, argnums=(0, 1))(w, b, x)
    xs = T.linspace(-1, 1, 8, dtype=T.float64).reshape(2, 4)
    jb_batch = T.func.vmap(T.func.jacrev(predict, argnums=2), in_dims=(None, None, 0))(w, b, xs)
    h = T.func.hessian(lambda v: predict(w, b, v).sum(), argnums=0)(x)
    return j1, j2, jw, jb, jb_batch, h


def per_sample_gradients(T):
    # torch.func tutorial: per-sample gradients with functional_call + vmap(grad).
    T.manual_seed(0)
    model = T.nn.Sequential(T.nn.Linear(4, 5), T.nn.Tanh(), T.nn.Linear(5, 2)).double()
    with T.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(T.linspace(-0.6, 0.6, p.numel(), dtype=T.float64).reshape(p.shape).roll(i))
    params = {k: v.detach() for k, v in model.named_parameters()}
    data = T.linspace(-1, 1, 12, dtype=T.float64).reshape(3, 4)
    targets = T.tensor([0, 1, 1])

    def loss_one(p, x, t):
        out = T.func.functional_call(model, p, (x.unsqueeze(0),))
        return T.nn.functional.cross_entropy(out, t.unsqueeze(0))

    grads = T.func.vmap(T.func.grad(loss_one), in_dims=(None, 0, 0))(params, data, targets)
    loop = [T.autograd.grad(T.nn.functional.cross_entropy(model(data[i:i + 1]),
                                                          targets[i:i + 1]),
                            list(model.parameters())) for i in range(3)]
    same = all(T.allclose(grads[k][i], loop[i][j])
               for i in range(3) for j, k in enumerate(params))
    return {k: v for k, v in grads.items()}, same


def neural_tangent_kernel(T):
    # torch.func tutorial: the empirical NTK from jacobians of functional_call.
    model = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.Tanh(), T.nn.Linear(4, 2)).double()
    with T.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(T.linspace(-0.7, 0.7, p.numel(), dtype=T.float64).reshape(p.shape).roll(i))
    params = {k: v.detach() for k, v in model.named_parameters()}

    def f(p, x):
        return T.func.functional_call(model, p, (x.unsqueeze(0),)).squeeze(0)

    x1 = T.linspace(-1, 1, 6, dtype=T.float64).reshape(2, 3)
    x2 = T.linspace(0, 1, 9, dtype=T.float64).reshape(3, 3)
    j1 = T.func.vmap(T.func.jacrev(f), (None, 0))(params, x1)
    j2 = T.func.vmap(T.func.jacrev(f), (None, 0))(params, x2)
    ntk = sum(T.einsum("Naf,Mbf->NMab", j1[k].flatten(2), j2[k].flatten(2)) for k in params)
    return ntk


def model_ensembling(T):
    # torch.func tutorial: stack_module_state + vmap over the stacked parameters.
    models = []
    for m in range(3):
        net = T.nn.Sequential(T.nn.Linear(4, 3), T.nn.ReLU(), T.nn.Linear(3, 2)).double()
        with T.no_grad():
            for i, p in enumerate(net.parameters()):
                p.copy_(T.linspace(-0.5, 0.5, p.numel(), dtype=T.float64).reshape(p.shape)
                        .roll(i + m) * (1 + m))
        models.append(net)
    params, buffers = T.func.stack_module_state(models)
    base = models[0]
    x = T.linspace(-1, 1, 8, dtype=T.float64).reshape(2, 4)

    def run(p, b, data):
        return T.func.functional_call(base, (p, b), (data,))

    same_batch = T.func.vmap(run, in_dims=(0, 0, None))(params, buffers, x)
    looped = T.stack([m(x) for m in models])
    # (Values only: tapegrad's vmap is one VmapBackward node where torch records the mapped
    # ops; README "Semantics".)
    return same_batch.detach(), T.allclose(same_batch, looped), sorted(params)


def general_checkpoint(T):
    # recipes/saving_and_loading_a_general_checkpoint: model and optimizer state, epoch and
    # loss in one T.save, loaded into fresh objects (T.load, weights_only default) to resume.
    def make():
        net = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.Tanh(), T.nn.Linear(4, 1)).double()
        return net, T.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)

    def step(net, opt, x, y):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    x = T.linspace(-1, 1, 15, dtype=T.float64).reshape(5, 3)
    y = x.sum(1, keepdim=True).sin()
    net, opt = make()
    with T.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(T.linspace(-0.5, 0.5, p.numel(), dtype=T.float64).reshape(p.shape) + i)
    for _ in range(2):
        loss = step(net, opt, x, y)
    buf = io.BytesIO()
    T.save({"epoch": 2, "model_state_dict": net.state_dict(),
            "optimizer_state_dict": opt.state_dict(), "loss": loss}, buf)
    buf.seek(0)
    checkpoint = T.load(buf)
    net2, opt2 = make()
    net2.load_state_dict(checkpoint["model_state_dict"])
    opt2.load_state_dict(checkpoint["optimizer_state_dict"])
    print(checkpoint["epoch"], checkpoint["loss"])
    resumed = [step(net2, opt2, x, y).detach() for _ in range(2)]
    continued = [step(net, opt, x, y).detach() for _ in range(2)]
    net2.eval()
    return resumed, continued, net2(x).detach()


PROGRAMS = [polynomial_fit_manual, polynomial_fit_autograd, legendre_function, sequential_nn,
            blitz_autograd, nn_tutorial, bag_of_words, ngram_language_model, lstm_tagger,
            double_backward_function, func_jacobians_hessians, per_sample_gradients,
            neural_tangent_kernel, model_ensembling, general_checkpoint]

