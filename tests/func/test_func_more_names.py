"""torch.func's remaining names against torch: functionalize, replace_all_batch_norm_modules_,
debug_unwrap."""

from __future__ import annotations

from tapegrad.testing import assert_parity


def test_functionalize_gives_the_functions_results_and_input_mutations() -> None:
    def program(T):
        x = T.ones(3)

        def f(a):
            b = a.clone()
            b.add_(1)
            a.mul_(2)
            return b * a

        y = T.func.functionalize(f)(x)
        z = T.func.functionalize(f, remove="mutations_and_views")(x)
        try:
            T.func.functionalize(f, remove="views")
        except RuntimeError as e:
            print(e)
        print(x._version)
        return y, z, x
    assert_parity(program)


def test_replace_all_batch_norm_modules_stops_tracking_running_stats() -> None:
    def program(T):
        T.manual_seed(0)
        m = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.BatchNorm1d(4),
                            T.nn.Sequential(T.nn.BatchNorm1d(4, track_running_stats=False)))
        with T.no_grad():
            m[0].weight.copy_(T.arange(12.0).reshape(4, 3) / 10)
            m[0].bias.zero_()
        out = T.func.replace_all_batch_norm_modules_(m)
        print(out is m, sorted(m.state_dict()), m[1].track_running_stats, m[1].running_mean)
        x = T.arange(6.0).reshape(2, 3)
        y = m(x)
        m.eval()
        x2 = T.func.debug_unwrap(x)
        print(x2 is x)
        return y, m(x)
    assert_parity(program)
