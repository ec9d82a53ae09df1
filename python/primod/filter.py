"""Predictor front ends of SPEC §4 (pm_filter): a bank of damped resonators per signal, or a tapped delay line."""
from __future__ import annotations

import ctypes
from typing import NamedTuple

from . import _lib
from ._handle import Handle
from ._arrays import ArrayLike, DoubleBuffer, out_buffer, to_array
from .errors import check, finite, size

KINDS = {"resonator": 0, "delay": 1}


class Resonator(NamedTuple):
    """Coefficients of one resonator: normalised frequency f, a1, a2 and the step-peak gain g (SPEC §4)."""
    f: float
    a1: float
    a2: float
    gain: float


def resonator_design(f: float, q: float = 0.51) -> Resonator:
    """Designs one resonator (pm_resonator_design). ArgumentError unless 0 < f <= 0.5 and q > 0.5."""
    a1, a2, g = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    check(_lib.lib().pm_resonator_design(float(f), float(q), ctypes.byref(a1), ctypes.byref(a2), ctypes.byref(g)),
          "pm_resonator_design")
    return Resonator(float(f), a1.value, a2.value, g.value)


class FilterBank(Handle):
    """n_signals predictor signals, each through n_filters filters; outputs predictor-major (p * n_filters + k).

    Zero/None values take the paper preset (N = 5, T_min = 3, T_max = 10, q = 0.51). Context manager; close()."""
    _destroy, _what = "pm_filter_destroy", "filter bank"


    def __init__(self, n_signals: int, n_filters: int = 5, kind: str = "resonator", t_min: float = 3.0,
                 t_max: float = 10.0, q: float = 0.51):
        if kind not in KINDS:
            raise ValueError("unknown filter kind '%s' (resonator or delay)" % kind)
        w = "pm_filter_create"
        cfg = _lib.FilterConfig(n_signals=size(n_signals, "n_signals", w), n_filters=size(n_filters, "n_filters", w),
                                kind=KINDS[kind], t_min=finite(t_min, "t_min", w), t_max=finite(t_max, "t_max", w),
                                q=finite(q, "q", w))
        h = ctypes.c_void_p()
        check(_lib.lib().pm_filter_create(ctypes.byref(cfg), ctypes.byref(h)), "pm_filter_create")
        super().__init__(h.value)

    @property
    def n_signals(self) -> int:
        return _lib.lib().pm_filter_n_signals(self.handle)

    @property
    def n_outputs(self) -> int:
        return _lib.lib().pm_filter_n_outputs(self.handle)

    @property
    def config(self) -> dict:
        """The effective config (defaults filled in)."""
        c = _lib.lib().pm_filter_get_config(self.handle)
        kind = {v: k for k, v in KINDS.items()}.get(c.kind, c.kind)
        return {"n_signals": c.n_signals, "n_filters": c.n_filters, "kind": kind, "t_min": c.t_min,
                "t_max": c.t_max, "q": c.q}

    def _run(self, fn, signals: ArrayLike):
        n_out = self.n_outputs
        buf = DoubleBuffer(signals, self.n_signals, "signals")
        out = out_buffer(n_out)
        check(fn(self.handle, buf.ptr, out), fn.__name__)
        return to_array(out, n_out)

    def step(self, signals: ArrayLike):
        """Feeds one sample per signal (n_signals,); returns the outputs (n_signals * n_filters,).
        NonFiniteError for NaN/inf (state unchanged)."""
        return self._run(_lib.lib().pm_filter_step, signals)

    def preview(self, signals: ArrayLike):
        """What step() would return, without changing the state."""
        return self._run(_lib.lib().pm_filter_preview, signals)

    def reset(self) -> None:
        """Clears the state (as if every past input were 0)."""
        _lib.lib().pm_filter_reset(self.handle)

    def coeffs(self, k: int) -> Resonator:
        """Coefficients of filter k of a resonator bank. ArgumentError for a delay line or k out of range."""
        f, a1, a2, g = (ctypes.c_double() for _ in range(4))
        check(_lib.lib().pm_filter_coeffs(self.handle, int(k), ctypes.byref(f), ctypes.byref(a1), ctypes.byref(a2),
                                          ctypes.byref(g)), "pm_filter_coeffs")
        return Resonator(f.value, a1.value, a2.value, g.value)

    @property
    def coefficients(self) -> list[Resonator]:
        """Every filter's coefficients (resonator banks only)."""
        return [self.coeffs(k) for k in range(self.config["n_filters"])]
