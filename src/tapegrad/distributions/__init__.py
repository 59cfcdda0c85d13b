"""Probability distributions. Matches `torch.distributions` for the distributions listed in
`__all__`: parameters, shapes, validation (torch's ValueError texts), log_prob, entropy,
moments, KL divergences (values and gradients as torch's). Samples come from tapegrad's
default generator: reproducible per seed, not torch's values."""

from . import constraints, transforms
from .continuous import Beta, Dirichlet, Exponential, Gamma, Laplace, Normal, Uniform
from . import continuous_more_kl  # noqa: F401 (registers torch's KL pairs)
from .continuous_more import (Cauchy, Chi2, ExponentialFamily, FisherSnedecor, GeneralizedPareto,
                              Gumbel, HalfCauchy, HalfNormal, InverseGamma, Kumaraswamy, Pareto,
                              StudentT, Weibull)
from .continuous_more_transforms import AbsTransform, PowerTransform, StickBreakingTransform
from .continuous_relaxed import ContinuousBernoulli, LogisticNormal, RelaxedBernoulli, VonMises
from .discrete import Bernoulli, Categorical, OneHotCategorical, Poisson
from .discrete_more import (Binomial, Geometric, Multinomial, NegativeBinomial,
                            OneHotCategoricalStraightThrough, RelaxedOneHotCategorical)
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .log_normal import LogNormal
from .multivariate_more import (LKJCholesky, LowRankMultivariateNormal, MixtureSameFamily,
                                 Wishart)
from .multivariate_normal import MultivariateNormal
from .transformed_distribution import TransformedDistribution
from .transforms import (AffineTransform, ComposeTransform, ExpTransform, SigmoidTransform,
                         TanhTransform, Transform)

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential",
           "Gamma", "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal",
           "OneHotCategorical", "Poisson", "TransformedDistribution", "Uniform",
           "kl_divergence", "register_kl", "constraints", "transforms", "Transform",
           "ComposeTransform", "ExpTransform", "AffineTransform", "SigmoidTransform",
           "TanhTransform"]
__all__ += ["Cauchy", "Chi2", "ContinuousBernoulli", "ExponentialFamily", "FisherSnedecor",
            "GeneralizedPareto", "Gumbel", "HalfCauchy", "HalfNormal", "InverseGamma",
            "Kumaraswamy", "LogisticNormal", "Pareto", "RelaxedBernoulli", "StudentT", "VonMises",
            "Weibull", "AbsTransform", "PowerTransform", "StickBreakingTransform"]
__all__ += ["Binomial", "Geometric", "Multinomial", "NegativeBinomial",
            "OneHotCategoricalStraightThrough", "RelaxedOneHotCategorical",
            "LowRankMultivariateNormal", "MixtureSameFamily", "Wishart", "LKJCholesky"]
