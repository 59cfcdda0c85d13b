"""Bessel functions of the first and second kind of orders 0 and 1, and the Airy function Ai:
`torch.special.bessel_j0/j1/y0/y1` and `torch.special.airy_ai`.

torch computes them with the rational approximations of the Cephes Math Library (Moshier),
in the input's precision; the coefficients below are Cephes' published values, and each
function follows the same piecewise scheme in the input dtype (float32 arithmetic for
float32), so the values, the NaN / infinity results and the float32 rounding track torch's:

* J0, J1 (|x| <= 5): the zeros-factored rational R(x^2) (x^2 - z1)(x^2 - z2), times x for J1;
  J0 returns 1 - x^2/4 below 1e-5. (|x| > 5): the Hankel asymptotic form
  sqrt(2/(pi x)) (P(25/x^2) cos(x - phase) - 5/x Q(25/x^2) sin(x - phase)) with rational P, Q.
  J0 is even, J1 odd.
* Y0, Y1 (0 < x <= 5): a rational part plus 2/pi log(x) J(x) (- 2/(pi x) for Y1); -inf at 0,
  NaN for x < 0; (x > 5): the same asymptotic form with sin/cos exchanged.
* Ai (x < -2.09): the oscillatory asymptotic form; (x >= 2.09): the decaying form
  exp(-zeta) rational(1/zeta), zeta = 2/3 x^(3/2), 0 beyond x = 103.892; (between): the
  Maclaurin series f(x) c1 - g(x) c2 summed until a term falls below the dtype's epsilon times the sum; NaN at
  +-inf.

torch marks all five `non_differentiable` (derivatives.yaml): no node, the result never
requires grad.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ._op import Op
from .special import _special_op

_nd = dict(dtype_rule="float")

_QUARTER_PI = 0.785398163397448309615660845819875721
_THREE_QUARTER_PI = 2.356194490192344928846982537459627163
_SQRT_2_OVER_PI = 0.797884560802865355879892119868763737
_TWO_OVER_PI = 0.636619772367581343075535053490057448


def _horner(coefficients, z):
    """C[0] z^n + ... + C[n], accumulated from 0 as Cephes' polevl does (so an infinite or NaN
    z gives NaN, as in torch)."""
    acc = jnp.zeros_like(z)
    for c in coefficients:
        acc = acc * z + c
    return acc


# ------------------------------------------------------------------ order 0
_J0_PP = (7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e+00,
          5.44725003058768775090e+00, 8.74716500199817011941e+00, 5.30324038235394892183e+00,
          9.99999999999999997821e-01)
_J0_PQ = (9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e+00,
          5.47097740330417105182e+00, 8.76190883237069594232e+00, 5.30605288235394617618e+00,
          1.00000000000000000218e+00)
_J0_QP = (-1.13663838898469149931e-02, -1.28252718670509318512e+00, -1.95539544257735972385e+01,
          -9.32060152123768231369e+01, -1.77681167980488050595e+02, -1.47077505154951170175e+02,
          -5.14105326766599330220e+01, -6.05014350600728481186e+00)
_J0_QQ = (6.43178256118178023184e+01, 8.56430025976980587198e+02, 3.88240183605401609683e+03,
          7.24046774195652478189e+03, 5.93072701187316984827e+03, 2.06209331660327847417e+03,
          2.42005740240291393179e+02)
_J0_RP = (-4.79443220978201773821e+09, 1.95617491946556577543e+12, -2.49248344360967716204e+14,
          9.70862251047306323952e+15)
_J0_RQ = (4.99563147152651017219e+02, 1.73785401676374683123e+05, 4.84409658339962045305e+07,
          1.11855537045356834862e+10, 2.11277520115489217587e+12, 3.10518229857422583814e+14,
          3.18121955943204943306e+16, 1.71086294081043136091e+18)
_Y0_YP = (1.55924367855235737965e+04, -1.46639295903971606143e+07, 5.43526477051876500413e+09,
          -9.82136065717911466409e+11, 8.75906394395366999549e+13, -3.46628303384729719441e+15,
          4.42733268572569800351e+16, -1.84950800436986690637e+16)
_Y0_YQ = (1.04128353664259848412e+03, 6.26107330137134956842e+05, 2.68919633393814121987e+08,
          8.64002487103935000337e+10, 2.02979612750105546709e+13, 3.17157752842975028269e+15,
          2.50596256172653059228e+17)
_J0_Z1 = 5.78318596294678452118e+00    # squares of the first two zeros of J0
_J0_Z2 = 3.04712623436620863991e+01


def _asymptotic(x, pp, pq, qp, qq, phase, use_sin: bool):
    """sqrt(2/(pi x)) (P c - 5/x Q s), (c, s) = (cos, sin) of x - phase; exchanged (and the
    minus a plus) for the Y functions. `w` is computed as torch computes it per function."""
    w, x = x
    p = _horner(pp, w) / _horner(pq, w)
    q = _horner(qp, w) / _horner(qq, w)
    arg = x - phase
    if use_sin:
        mixed = p * jnp.sin(arg) + 5.0 / x * q * jnp.cos(arg)
    else:
        mixed = p * jnp.cos(arg) - 5.0 / x * q * jnp.sin(arg)
    return mixed * _SQRT_2_OVER_PI / jnp.sqrt(x)


def _j0_small(x):
    # (x^2 - z1)(x^2 - z2) R(x^2), for 1e-5 <= |x| <= 5; 1 - x^2/4 below.
    xx = x * x
    out = (xx - _J0_Z1) * (xx - _J0_Z2) * _horner(_J0_RP, xx) / _horner(_J0_RQ, xx)
    return jnp.where(x < 0.00001, 1.0 - xx / 4.0, out)


def _order0_large_args(x):
    big = jnp.where(x > 5.0, x, 10.0)        # keeps the unused branch finite
    return (25.0 / (big * big), big)


def _bessel_j0(self):
    x = jnp.abs(self)
    small = _j0_small(jnp.where(x <= 5.0, x, 1.0))
    large = _asymptotic(_order0_large_args(x), _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, _QUARTER_PI,
                        use_sin=False)
    out = jnp.where(x <= 5.0, small, large)
    return jnp.where(jnp.isnan(x) | jnp.isinf(x), jnp.nan, out).astype(self.dtype)


def _bessel_y0(self):
    x = self
    pos = jnp.where((x > 0) & (x <= 5.0), x, 1.0)
    xx = pos * pos
    small = _horner(_Y0_YP, xx) / _horner(_Y0_YQ, xx) + \
        _TWO_OVER_PI * jnp.log(pos) * _j0_small(pos)
    large = _asymptotic(_order0_large_args(x), _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, _QUARTER_PI,
                        use_sin=True)
    out = jnp.where(x <= 5.0, small, large)
    out = jnp.where(x == 0, -jnp.inf, jnp.where(x < 0, jnp.nan, out))
    return jnp.where(jnp.isnan(x) | jnp.isinf(x), jnp.nan, out).astype(self.dtype)


# ------------------------------------------------------------------ order 1
_J1_PP = (7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e+00,
          5.11207951146807644818e+00, 8.42404590141772420927e+00, 5.21451598682361504063e+00,
          1.00000000000000000254e+00)
_J1_PQ = (5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e+00,
          5.07386386128601488557e+00, 8.39985554327604159757e+00, 5.20982848682361821619e+00,
          9.99999999999999997461e-01)
_J1_QP = (5.10862594750176621635e-02, 4.98213872951233449420e+00, 7.58238284132545283818e+01,
          3.66779609360150777800e+02, 7.10856304998926107277e+02, 5.97489612400613639965e+02,
          2.11688757100572135698e+02, 2.52070205858023719784e+01)
_J1_QQ = (7.42373277035675149943e+01, 1.05644886038262816351e+03, 4.98641058337653607651e+03,
          9.56231892404756170795e+03, 7.99704160447350683650e+03, 2.82619278517639096600e+03,
          3.36093607810698293419e+02)
_J1_RP = (-8.99971225705559398224e+08, 4.52228297998194034323e+11, -7.27494245221818276015e+13,
          3.68295732863852883286e+15)
_J1_RQ = (6.20836478118054335476e+02, 2.56987256757748830383e+05, 8.35146791431949253037e+07,
          2.21511595479792499675e+10, 4.74914122079991414898e+12, 7.84369607876235854894e+14,
          8.95222336184627338078e+16, 5.32278620332680085395e+18)
_Y1_YP = (1.26320474790178026440e+09, -6.47355876379160291031e+11, 1.14509511541823727583e+14,
          -8.12770255501325109621e+15, 2.02439475713594898196e+17, -7.78877196265950026825e+17)
_Y1_YQ = (5.94301592346128195359e+02, 2.35564092943068577943e+05, 7.34811944459721705660e+07,
          1.87601316108706159478e+10, 3.88231277496238566008e+12, 6.20557727146953693363e+14,
          6.87141087355300489866e+16, 3.97270608116560655612e+18)
_J1_Z1 = 1.46819706421238932572e+01    # squares of the first two zeros of J1
_J1_Z2 = 4.92184563216946036703e+01


def _j1_small(x):
    xx = x * x
    return _horner(_J1_RP, xx) / _horner(_J1_RQ, xx) * x * (xx - _J1_Z1) * (xx - _J1_Z2)


def _order1_large_args(x):
    big = jnp.where(x > 5.0, x, 10.0)
    r = 5.0 / big
    return (r * r, big)                  # torch: 5/x * (5/x) for order 1


def _j1_positive(x):
    small = _j1_small(jnp.where(x <= 5.0, x, 1.0))
    large = _asymptotic(_order1_large_args(x), _J1_PP, _J1_PQ, _J1_QP, _J1_QQ,
                        _THREE_QUARTER_PI, use_sin=False)
    return jnp.where(x <= 5.0, small, large)


def _bessel_j1(self):
    x = self
    out = jnp.where(x < 0, -_j1_positive(-x), _j1_positive(x))
    return jnp.where(jnp.isnan(x) | jnp.isinf(x), jnp.nan, out).astype(self.dtype)


def _bessel_y1(self):
    x = self
    pos = jnp.where((x > 0) & (x <= 5.0), x, 1.0)
    xx = pos * pos
    small = pos * (_horner(_Y1_YP, xx) / _horner(_Y1_YQ, xx)) + \
        _TWO_OVER_PI * (_j1_small(pos) * jnp.log(pos) - 1.0 / pos)
    large = _asymptotic(_order1_large_args(x), _J1_PP, _J1_PQ, _J1_QP, _J1_QQ,
                        _THREE_QUARTER_PI, use_sin=True)
    out = jnp.where(x <= 5.0, small, large)
    out = jnp.where(x == 0, -jnp.inf, jnp.where(x < 0, jnp.nan, out))
    return jnp.where(jnp.isnan(x) | jnp.isinf(x), jnp.nan, out).astype(self.dtype)


# ------------------------------------------------------------------ Airy Ai
_AI_AN = (3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01,
          1.68089224934630576269e+02, 1.59756391350164413639e+02, 7.05360906840444183113e+01,
          1.40264691163389668864e+01, 9.99999999999999995305e-01)
_AI_AD = (5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01,
          1.77318088145400459522e+02, 1.64234692871529701831e+02, 7.14778400825575695274e+01,
          1.40959135607834029598e+01, 1.00000000000000000470e+00)
_AI_AFN = (-1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01,
           -2.79779981545119124951e-01, -4.91900132609500318020e-02, -4.06265923594885404393e-03,
           -1.59276496239262096340e-04, -2.77649108155232920844e-06, -1.67787698489114633780e-08)
_AI_AFD = (1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01,
           9.18707402907259625840e+00, 1.47529146771666414581e+00, 1.15687173795188044134e-01,
           4.40291641615211203805e-03, 7.54720348287414296618e-05, 4.51850092970580378464e-07)
_AI_AGN = (1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00,
           9.39169229816650230044e-01, 3.51465656105547619242e-01, 6.33888919628925490927e-02,
           5.85804113048388458567e-03, 2.82851600836737019778e-04, 6.98793669997260967291e-06,
           8.11789239554389293311e-08, 3.41551784765923618484e-10)
_AI_AGD = (9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01,
           5.47686069422975497931e+00, 9.54293611618961883998e-01, 8.64580826352392193095e-02,
           4.12656523824222607191e-03, 1.01259085116509135510e-04, 1.17166733214413521882e-06,
           4.91834570062930015649e-09)
_AI_C1 = 0.355028053887817239260        # Ai(0)
_AI_C2 = 0.258819403792806798405        # -Ai'(0)
_INV_SQRT_PI = 5.64189583547756286948e-01


def _div3(a):
    """a / 3 rounded as IEEE division: XLA rewrites division by a constant into multiplication
    by its rounded reciprocal, which moves the last bit, and the phase 2/3 |x|^3/2 of the
    oscillating branch (up to 1e15 and more) needs every bit of torch's value."""
    return a / jax.lax.optimization_barrier(jnp.full_like(a, 3.0))


def _airy_negative(x):
    # x < -2.09: pi^-1/2 |x|^-1/4 (sin(t) (1 + z^2 F(z^2)) - cos(t) z G(z^2)), z = 1/(2/3|x|^3/2)
    xi = _div3(-2.0 * x * jnp.sqrt(-x))
    z = 1.0 / xi
    zz = z * z
    f = zz * _horner(_AI_AFN, zz) / _horner(_AI_AFD, zz)
    g = z * _horner(_AI_AGN, zz) / _horner(_AI_AGD, zz)
    t = xi + 0.25 * 3.14159265358979323846
    return _INV_SQRT_PI / jnp.sqrt(jnp.sqrt(-x)) * (jnp.sin(t) * (1.0 + f) - jnp.cos(t) * g)


def _airy_positive(x):
    # x >= 2.09: pi^-1/2 A(1/zeta) / (2 x^1/4 exp(zeta)), zeta = 2/3 x^3/2
    zeta = _div3(2.0 * x * jnp.sqrt(x))
    r = 1.0 / zeta
    return _INV_SQRT_PI * (_horner(_AI_AN, r) / _horner(_AI_AD, r)) / \
        (2.0 * jnp.sqrt(jnp.sqrt(x)) * jnp.exp(zeta))


def _airy_series(x):
    """c1 f(x) - c2 g(x) with the Maclaurin series f = 1 + x^3/3! + 1.4 x^6/6! + ...,
    g = x + 2 x^4/4! + 2.5 x^7/7! + ..., term by term in torch's order, each element stopping
    once |m / f| <= the dtype's epsilon (torch's loop, run here until no element is active)."""
    z = x * x * x
    one = jnp.ones_like(x)
    eps = jnp.finfo(x.dtype).eps

    def cond(state):
        return jnp.any(state[-1])

    def body(state):
        f, g, k, m, n, active = state
        m2 = m * z
        k2 = k + 1.0
        m2 = m2 / k2
        n2 = n * z
        k2 = k2 + 1.0
        n2 = n2 / k2
        m2 = m2 / k2
        f2 = f + m2
        k2 = k2 + 1.0
        n2 = n2 / k2
        g2 = g + n2
        keep = jnp.abs(m2 / f2) > eps
        new = (f2, g2, k2, m2, n2)
        old = (f, g, k, m, n)
        merged = tuple(jnp.where(active, a, b) for a, b in zip(new, old))
        return (*merged, active & keep)

    f, g, *_ = jax.lax.while_loop(cond, body, (one, x, one, one, x, jnp.ones(x.shape, bool)))
    return _AI_C1 * f - _AI_C2 * g


def _airy_ai(x):
    neg = x < -2.09
    pos = x >= 2.09
    out_neg = _airy_negative(jnp.where(neg, x, -4.0))
    out_pos = _airy_positive(jnp.where(pos & (x <= 103.892), x, 4.0))
    out_mid = _airy_series(jnp.where(neg | pos | jnp.isnan(x), 0.0, x))
    out = jnp.where(neg, out_neg, jnp.where(pos, out_pos, out_mid))
    out = jnp.where(x > 103.892, 0.0, out)
    return jnp.where(jnp.isnan(x) | jnp.isinf(x), jnp.nan, out).astype(x.dtype)


_special_op("bessel_j0", Op("special_bessel_j0", None, _bessel_j0, **_nd))
_special_op("bessel_j1", Op("special_bessel_j1", None, _bessel_j1, **_nd))
_special_op("bessel_y0", Op("special_bessel_y0", None, _bessel_y0, **_nd))
_special_op("bessel_y1", Op("special_bessel_y1", None, _bessel_y1, **_nd))
_special_op("airy_ai", Op("special_airy_ai", None, _airy_ai, inputs=("x",), **_nd))
