"""Quantiles and tail probabilities the analysis needs, without importing scipy.stats
(whose import alone costs more CPU than a default tournament's play).

Student's t: the distribution function for whole degrees of freedom in closed form
(Abramowitz & Stegun 26.7.3 and 26.7.4), inverted by Newton's method; from 200 degrees of
freedom on, the Cornish-Fisher expansion of A&S 26.7.5 (error below 1e-11 there).
"""

from __future__ import annotations

import math
from statistics import NormalDist

_NORMAL = NormalDist()
_EXPANSION_FROM = 200


def normal_quantile(probability: float) -> float:
    """z with P(Z <= z) = probability for a standard normal Z."""
    return _NORMAL.inv_cdf(probability)


def normal_two_sided_p(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def t_cdf(t: float, dof: int) -> float:
    """P(T <= t) for Student's t with ``dof`` (a whole number >= 1) degrees of freedom."""
    if t < 0:
        return 1.0 - t_cdf(-t, dof)
    theta = math.atan(t / math.sqrt(dof))
    c2 = math.cos(theta) ** 2
    s = math.sin(theta)
    if dof % 2:  # odd: A = (2/pi) (theta + sin cos (1 + 2/3 c^2 + ... ))
        term, total = 1.0, 1.0 if dof > 1 else 0.0
        for k in range(2, dof - 1, 2):
            term *= c2 * k / (k + 1)
            total += term
        within = 2.0 / math.pi * (theta + s * math.cos(theta) * total)
    else:  # even: A = sin (1 + 1/2 c^2 + 1*3/(2*4) c^4 + ... )
        term = total = 1.0
        for k in range(1, dof - 2, 2):
            term *= c2 * k / (k + 1)
            total += term
        within = s * total
    return 0.5 + 0.5 * within


def _t_density(t: float, dof: int) -> float:
    log_norm = math.lgamma((dof + 1) / 2) - math.lgamma(dof / 2) - 0.5 * math.log(dof * math.pi)
    return math.exp(log_norm - (dof + 1) / 2 * math.log1p(t * t / dof))


def t_quantile(probability: float, dof: int) -> float:
    """t with P(T <= t) = probability for Student's t with ``dof`` degrees of freedom."""
    if not 0.0 < probability < 1.0:
        raise ValueError(f"probability must be in (0, 1), got {probability}")
    if probability < 0.5:
        return -t_quantile(1.0 - probability, dof)
    z = normal_quantile(probability)
    n = float(dof)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    t = z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4
    if dof >= _EXPANSION_FROM:
        return t
    if dof == 1:
        return math.tan(math.pi * (probability - 0.5))
    if dof == 2:
        return (2 * probability - 1) / math.sqrt(2 * probability * (1 - probability))
    for _ in range(50):
        step = (t_cdf(t, dof) - probability) / _t_density(t, dof)
        t -= step
        if abs(step) <= 1e-14 * max(1.0, abs(t)):
            break
    return t
