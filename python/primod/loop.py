"""The closed-loop learner of SPEC §5 (pm_loop): reflex error + predictors in, steering and wheel speeds out."""
from __future__ import annotations

import ctypes
from typing import Any, NamedTuple, Optional, Sequence, Union

from . import _lib
from ._handle import Handle
from ._arrays import ArrayLike, DoubleBuffer, to_array
from .errors import check
from .filter import KINDS
from .net import ACTIVATIONS, INITS, Net, _enum

LOOP_RULES = {"reflex": 0, "bp": 1, "pm": 2, "sr": 3, "sign": 4, "chained": 5, "sat": 6, "satsign": 7, "motion": 8}


class Step(NamedTuple):
    """What one loop step commanded (pm_loop_output)."""
    steering: float
    left: float
    right: float
    relevance: float
    outputs: Any          # network outputs (n_outputs,), None for the reflex
    success: bool
    lost: bool


class Loop(Handle):
    """A closed-loop learner (its own filter bank and network), the paper preset unless overridden.

    Loop(n_predictors=144, n_rows=3, row_len=48, rule="pm", rate=1e-5, hidden=(10,)*10, outputs=2, ...).
    Keywords: n_predictors, n_rows, row_len, filter_kind ("resonator"/"delay"), n_filters, t_min, t_max, q,
    hidden (hidden-layer widths), outputs, activation, seed, bias, init, rule ("reflex", "bp", "pm", "sr",
    "sign", "chained", "sat", "satsign", "motion"), rate, dead_band, speed, net_gain, output_mix (one per output), relevance_threshold,
    warmup, window, hold, threshold (success, SPEC §6), lost_steps, learn. Context manager; close().
    """
    _destroy, _what = "pm_loop_destroy", "loop"


    def __init__(self, *, n_predictors: int = 144, n_rows: int = 3, row_len: int = 48,
                 filter_kind: str = "resonator", n_filters: int = 5, t_min: float = 3.0, t_max: float = 10.0,
                 q: float = 0.51, hidden: Sequence[int] = (10,) * 10, outputs: int = 2,
                 activation: Union[str, int] = "sigmoid", seed: int = 0, bias: bool = False,
                 init: Union[str, int] = "paper", rule: Union[str, int] = "pm", rate: Optional[float] = None,
                 output_mix: Optional[Sequence[float]] = None, **fields: Any):
        cfg = _lib.LoopConfig()
        _lib.lib().pm_loop_config_paper(ctypes.byref(cfg))
        cfg.n_predictors, cfg.n_rows, cfg.row_len = int(n_predictors), int(n_rows), int(row_len)
        if filter_kind not in KINDS:
            raise ValueError("unknown filter kind '%s' (resonator or delay)" % filter_kind)
        cfg.filter.kind, cfg.filter.n_filters = KINDS[filter_kind], int(n_filters)
        cfg.filter.t_min, cfg.filter.t_max, cfg.filter.q = float(t_min), float(t_max), float(q)
        sizes_list = [int(h) for h in hidden] + [int(outputs)]
        sizes = (ctypes.c_int * len(sizes_list))(*sizes_list)
        cfg.net.n_layers, cfg.net.layer_sizes = len(sizes_list), sizes
        cfg.net.activation = _enum(ACTIVATIONS, activation, "activation")
        cfg.net.seed, cfg.net.use_bias = int(seed), 1 if bias else 0
        cfg.net.init = _enum(INITS, init, "init")
        cfg.rule = _enum(LOOP_RULES, rule, "rule")
        if rate is not None:
            cfg.rate = float(rate)
        mix_list = list(output_mix) if output_mix is not None else ([1.0, 2.0] if outputs == 2 else [1.0] * outputs)
        if len(mix_list) != outputs:
            raise ValueError("output_mix needs %d values (one per output), got %d" % (outputs, len(mix_list)))
        mix = (ctypes.c_double * max(len(mix_list), 1))(*[float(c) for c in mix_list])
        cfg.output_mix = ctypes.cast(mix, ctypes.POINTER(ctypes.c_double))
        success = {"warmup", "window", "hold", "threshold"}
        scalars = {"dead_band", "speed", "net_gain", "relevance_threshold", "lost_steps", "learn"}
        for k, v in fields.items():
            if k in success:
                setattr(cfg.success, k, v)
            elif k in scalars:
                setattr(cfg, k, int(v) if k in ("lost_steps", "learn") else float(v))
            else:
                raise TypeError("Loop: unknown keyword '%s'" % k)
        h = ctypes.c_void_p()
        check(_lib.lib().pm_loop_create(ctypes.byref(cfg), ctypes.byref(h)), "pm_loop_create")
        super().__init__(h.value)
        self._net: Optional[Net] = None
        self.rule = {v: k for k, v in LOOP_RULES.items()}[cfg.rule]
        self._input = _lib.LoopInput()
        self._output = _lib.LoopOutput()

    # ---- lifetime (handle, with, __del__: Handle) ----
    _net: Optional[Net] = None

    def close(self) -> None:
        """Frees the loop, its filter and its network (idempotent); a Net obtained from .net is detached."""
        if self._net is not None:
            self._net._h = None
            self._net = None
        super().close()

    # ---- stepping ----
    def step(self, error: float, predictors: ArrayLike, relevance: Optional[float] = None,
             line_seen: bool = True) -> Step:
        """One closed-loop step (SPEC §5): learn on the previous forward pass with E(n), filter p(n), forward,
        steer. relevance given: used instead of the rule's own R(n). NonFiniteError for NaN/inf (loop unchanged)."""
        lib = _lib.lib()
        n_out = lib.pm_loop_n_outputs(self.handle)
        buf = DoubleBuffer(predictors, lib.pm_loop_n_predictors(self.handle), "predictors")
        inp = self._input
        inp.error, inp.predictors = float(error), buf.ptr
        inp.relevance = float(relevance) if relevance is not None else 0.0
        inp.relevance_given = relevance is not None
        inp.line_seen = 1 if line_seen else 0
        out = self._output
        check(lib.pm_loop_step(self.handle, ctypes.byref(inp), ctypes.byref(out)), "pm_loop_step")
        outputs = to_array(out.outputs, n_out) if n_out else None
        return Step(out.steering, out.left, out.right, out.relevance, outputs, bool(out.success), bool(out.lost))

    def reset(self) -> None:
        """Back to the start: filter cleared, statistics reset, network restored to its initial weights."""
        _lib.lib().pm_loop_reset(self.handle)

    @property
    def learning(self) -> bool:
        raise AttributeError("learning is write-only (set loop.learning = True/False)")

    @learning.setter
    def learning(self, on: bool) -> None:
        check(_lib.lib().pm_loop_set_learning(self.handle, 1 if on else 0), "pm_loop_set_learning")

    # ---- queries ----
    @property
    def steps(self) -> int:
        return _lib.lib().pm_loop_steps(self.handle)

    @property
    def success_step(self) -> Optional[int]:
        """SPEC §6 success step, None if not reached."""
        s = _lib.lib().pm_loop_success_step(self.handle)
        return None if s < 0 else s

    @property
    def error_integral(self) -> float:
        return _lib.lib().pm_loop_error_integral(self.handle)

    @property
    def mean_abs_error(self) -> float:
        return _lib.lib().pm_loop_mean_abs_error(self.handle)

    @property
    def n_inputs(self) -> int:
        return _lib.lib().pm_loop_n_inputs(self.handle)

    @property
    def n_outputs(self) -> int:
        return _lib.lib().pm_loop_n_outputs(self.handle)

    @property
    def inputs(self):
        """The filtered inputs x(n) of the last step (n_inputs,)."""
        return to_array(_lib.lib().pm_loop_inputs(self.handle), self.n_inputs)

    @property
    def net(self) -> Optional[Net]:
        """The loop's network, borrowed (valid while the loop is open; never freed through it); None for reflex."""
        if self._net is None:
            h = _lib.lib().pm_loop_net_mut(self.handle)
            if h:
                self._net = Net._wrap(h, owner=self)
        return self._net

    def replace_net(self, net: Net) -> None:
        """Gives the loop a network (e.g. Net.load()); the loop takes it over: net becomes this loop's .net.
        ArgumentError for a reflex loop or a net of another shape (net unchanged then); ValueError for a net
        that already belongs to a loop."""
        if net._owner is not None:
            raise ValueError("this net belongs to a loop already; pass net.clone()")
        check(_lib.lib().pm_loop_replace_net(self.handle, net.handle), "pm_loop_replace_net")
        if self._net is not None:
            self._net._h = None
        net._owner = self
        self._net = net
