"""primod.FilterBank: coefficients against SPEC §4's table, the IIR recursion, delay line, preview, errors."""
import numpy as np
import pytest

import primod

# SPEC §4 test vectors (q = 0.51): f, a1, a2, g, printed to 4 / 4 / 4 / 3 decimals.
SPEC_TABLE = [(0.1000, -1.0719, 0.2917, 4.550), (0.1583, -0.7397, 0.1422, 2.485), (0.2167, -0.5077, 0.0693, 1.781),
              (0.2750, -0.3465, 0.0338, 1.455), (0.3333, -0.2351, 0.0165, 1.280)]


def test_paper_bank_matches_spec_table():
    with primod.FilterBank(2) as bank:    # zero-config defaults: N=5, T 3..10, q 0.51
        assert bank.n_outputs == 10
        assert bank.config == {"n_signals": 2, "n_filters": 5, "kind": "resonator", "t_min": 3.0, "t_max": 10.0,
                               "q": 0.51}
        for got, (f, a1, a2, g) in zip(bank.coefficients, SPEC_TABLE):
            # half a unit of the last printed digit
            assert abs(got.f - f) <= 0.5e-4 and abs(got.a1 - a1) <= 0.5e-4 and abs(got.a2 - a2) <= 0.5e-4
            assert abs(got.gain - g) <= 0.5e-3
        # f_k = 1/10 + k (1/3 - 1/10)/4 exactly
        assert bank.coeffs(2).f == pytest.approx(0.1 + 2 * (1 / 3 - 0.1) / 4, rel=1e-15)
        with pytest.raises(primod.ArgumentError):
            bank.coeffs(5)


def test_step_response_is_the_recursion_with_unit_peak():
    with primod.FilterBank(1, n_filters=3) as bank:
        coeffs = bank.coefficients
        u = np.zeros((3, 2))                 # u(n-1), u(n-2) per filter
        peak = np.zeros(3)
        for n in range(200):
            y = np.array(bank.step([1.0]))
            for k, c in enumerate(coeffs):   # u(n) = x(n) - a1 u(n-1) - a2 u(n-2), y = u/g
                un = 1.0 - c.a1 * u[k, 0] - c.a2 * u[k, 1]
                u[k] = un, u[k, 0]
                assert y[k] == pytest.approx(un / c.gain, rel=1e-12)
            peak = np.maximum(peak, y)
        np.testing.assert_allclose(peak, 1.0, rtol=1e-9)   # g normalises the step peak to 1


def test_preview_does_not_change_state():
    with primod.FilterBank(2, n_filters=2) as bank:
        bank.step([1.0, -1.0])
        p = np.array(bank.preview([0.5, 0.25]))
        np.testing.assert_array_equal(bank.preview([0.5, 0.25]), p)
        np.testing.assert_array_equal(bank.step([0.5, 0.25]), p)


def test_delay_line():
    with primod.FilterBank(2, n_filters=3, kind="delay") as bank:
        bank.step([1, 10])
        bank.step([2, 20])
        np.testing.assert_array_equal(bank.step([3, 30]), [3, 2, 1, 30, 20, 10])   # predictor-major x(n-k)
        bank.reset()
        np.testing.assert_array_equal(bank.step([4, 40]), [4, 0, 0, 40, 0, 0])
        with pytest.raises(primod.ArgumentError):
            bank.coeffs(0)


def test_errors():
    with pytest.raises(primod.ArgumentError):
        primod.FilterBank(1, q=0.5)           # q must be > 0.5
    with pytest.raises(primod.ArgumentError):
        primod.FilterBank(0)
    with pytest.raises(ValueError):
        primod.FilterBank(1, kind="fir")
    with primod.FilterBank(1) as bank:
        with pytest.raises(primod.NonFiniteError):
            bank.step([float("nan")])
        np.testing.assert_array_equal(bank.step([0.0]), np.zeros(5))   # the NaN left no trace
    assert bank.closed
    r = primod.resonator_design(0.1, 0.51)
    assert abs(r.a1 - -1.0719) <= 0.5e-4
    with pytest.raises(primod.ArgumentError):
        primod.resonator_design(0.6)
