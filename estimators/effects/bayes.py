"""Bayesian read-outs: probability to beat control and expected loss.

- Proportions: independent Beta(1 + successes, 1 + failures) posteriors (uniform prior).
- Means and ratios: the normal approximation ``delta ~ N(diff, se^2)``, i.e. a flat prior on
  the difference; it is the posterior the frequentist CI already describes.

"Beat" follows the metric's direction: P(mu_t > mu_c) when higher is better, P(mu_t < mu_c)
otherwise. The expected loss is the mean shortfall of shipping the treatment if it is in fact
worse, ``E[max(mu_c - mu_t, 0)]`` (mirrored for lower-is-better), in the metric's own units.

Beta integrals are deterministic: Gauss-Legendre quadrature over the narrower posterior's
central range, where the other posterior's CDF is smooth, so 512 nodes give ~1e-11 accuracy
(checked against Evan Miller's exact sum) without Monte-Carlo noise in the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(512)
_TAIL = 1e-15  # posterior mass left out at each end


@dataclass(frozen=True)
class BayesResult:
    prob_beat_control: float
    expected_loss: float


def beta_binomial(
    successes_c: int,
    n_c: int,
    successes_t: int,
    n_t: int,
    higher_is_better: bool = True,
    prior: tuple[float, float] = (1.0, 1.0),
) -> BayesResult:
    """Beta-Binomial comparison of two rates."""
    a_c, b_c = prior[0] + successes_c, prior[1] + n_c - successes_c
    a_t, b_t = prior[0] + successes_t, prior[1] + n_t - successes_t
    p_t_greater, loss_t_lower = _beta_compare(a_c, b_c, a_t, b_t)
    if higher_is_better:
        return BayesResult(p_t_greater, loss_t_lower)
    # E[(t - c)+] = E[(c - t)+] + E[t - c]
    mean_gap = a_t / (a_t + b_t) - a_c / (a_c + b_c)
    return BayesResult(1.0 - p_t_greater, loss_t_lower + mean_gap)


def normal_approximation(diff: float, se: float, higher_is_better: bool = True) -> BayesResult:
    """P(delta > 0) and E[max(-delta, 0)] for delta ~ N(diff, se^2), oriented by direction."""
    d = diff if higher_is_better else -diff
    if not np.isfinite(se) or not np.isfinite(d):
        return BayesResult(float("nan"), float("nan"))
    if se == 0:
        return BayesResult(1.0 if d > 0 else 0.5 if d == 0 else 0.0, max(-d, 0.0))
    z = d / se
    loss = se * stats.norm.pdf(z) - d * stats.norm.sf(z)
    return BayesResult(float(stats.norm.cdf(z)), float(max(loss, 0.0)))


def _beta_compare(a_c: float, b_c: float, a_t: float, b_t: float) -> tuple[float, float]:
    """(P(T > C), E[max(C - T, 0)]) for C ~ Beta(a_c, b_c), T ~ Beta(a_t, b_t)."""
    m_c, m_t = a_c / (a_c + b_c), a_t / (a_t + b_t)
    if stats.beta.var(a_c, b_c) <= stats.beta.var(a_t, b_t):
        x, w = _quadrature(a_c, b_c)  # integrate over C
        prob = np.sum(w * stats.beta.sf(x, a_t, b_t))
        # E[(x - T)+] = x F_T(x) - m_T I_x(a_T + 1, b_T)
        inner = x * stats.beta.cdf(x, a_t, b_t) - m_t * special.betainc(a_t + 1, b_t, x)
    else:
        y, w = _quadrature(a_t, b_t)  # integrate over T
        prob = np.sum(w * stats.beta.cdf(y, a_c, b_c))
        # E[(C - y)+] = m_C (1 - I_y(a_C + 1, b_C)) - y (1 - F_C(y))
        inner = m_c * special.betaincc(a_c + 1, b_c, y) - y * stats.beta.sf(y, a_c, b_c)
    loss = np.sum(w * inner)
    return float(min(max(prob, 0.0), 1.0)), float(max(loss, 0.0))


def _quadrature(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes on the central 1 - 2e-15 of Beta(a, b), weights times its pdf."""
    low, high = stats.beta.ppf([_TAIL, 1.0 - _TAIL], a, b)
    x = low + (high - low) * (_NODES + 1.0) / 2.0
    return x, _WEIGHTS * (high - low) / 2.0 * stats.beta.pdf(x, a, b)
