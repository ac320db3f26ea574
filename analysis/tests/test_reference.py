"""Analytic references and confidence intervals against known values."""

import math

import numpy as np
import pytest
from scipy import stats

from sipsim_analysis import reference


@pytest.mark.parametrize("offered, channels, expected", [
    (1.0, 1, 0.5),                 # A / (1 + A)
    (2.0, 2, 0.4),                 # (A^2/2) / (1 + A + A^2/2)
    (8.0, 10, 0.121661),           # the gateway-blocking scenario
    (10.0, 10, 0.214582),          # tables: B(10, 10) = 0.2146
    (100.0, 100, 0.075700),        # large N stays stable
    (5.0, 0, 1.0),
])
def test_erlang_b(offered, channels, expected):
    assert reference.erlang_b(offered, channels) == pytest.approx(expected, abs=5e-7)


def test_erlang_b_matches_the_closed_form():
    for a in (0.5, 3.0, 7.5):
        for n in (1, 4, 12):
            closed = (a ** n / math.factorial(n)) / sum(a ** k / math.factorial(k)
                                                       for k in range(n + 1))
            assert reference.erlang_b(a, n) == pytest.approx(closed, rel=1e-12)


def test_erlang_c_and_mmc():
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lambda).
    m = reference.mmc(arrival_rate=8.0, mean_service_s=0.1, servers=1)
    assert m["p_wait"] == pytest.approx(0.8)
    assert m["wq_s"] == pytest.approx(0.8 / (10 - 8))
    assert m["lq"] == pytest.approx(0.8 ** 2 / 0.2)
    # M/M/2 with A = 1: C = 1/3, Wq = C / (c mu - lambda) = (1/3) / (2 - 1).
    assert reference.erlang_c(1.0, 2) == pytest.approx(1 / 3)
    m2 = reference.mmc(arrival_rate=1.0, mean_service_s=1.0, servers=2)
    assert m2["wq_s"] == pytest.approx(1 / 3)
    assert reference.mmc(5.0, 1.0, 2)["wq_s"] is None  # unstable


def test_student_t_ci_by_hand():
    values = [0.11, 0.14, 0.12, 0.135]
    mean, half, low, high = reference.student_t_ci(values)
    s = np.std(values, ddof=1)
    assert mean == pytest.approx(np.mean(values))
    assert half == pytest.approx(stats.t.ppf(0.975, 3) * s / math.sqrt(4))
    assert (low, high) == pytest.approx((mean - half, mean + half))


def test_ns3_variable_mean():
    assert reference.ns3_variable_mean("ns3::ConstantRandomVariable[Constant=0]") == 0
    assert reference.ns3_variable_mean("ns3::ExponentialRandomVariable[Mean=4]") == 4
    assert reference.ns3_variable_mean("ns3::UniformRandomVariable[Min=1|Max=3]") == 2
    assert reference.ns3_variable_mean("ns3::NormalRandomVariable[Mean=1]") is None
