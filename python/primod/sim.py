"""The simulated line-follower world of SPEC §6 (pm_world, pm_sim): tracks, robot kinematics, sensors."""
from __future__ import annotations

import ctypes
import os
import weakref
from typing import Any, NamedTuple, Optional, Union

from . import _lib
from ._handle import Handle
from ._arrays import np, out_buffer, to_array
from .errors import check, with_detail

WHITE_READING = 0.7310585786300049  # PM_SIM_WHITE_READING: 1/(1+e^-1)


def track_names() -> list[str]:
    """Names of the built-in tracks ("paper" first)."""
    n = ctypes.c_int()
    p = _lib.lib().pm_track_names(ctypes.byref(n))
    return [p[i].decode() for i in range(n.value)]


class World(Handle):
    """A grey ground texture, 0 = black line .. 1 = white, ppu pixels per world unit; y grows upward.
    Build with World.builtin(), World.from_png(), World.from_png_bytes() or World.from_array()."""
    _destroy, _what = "pm_world_destroy", "world"

    def __init__(self, h: int):
        super().__init__(h)
        self._sims: "weakref.WeakSet[Sim]" = weakref.WeakSet()

    def close(self) -> None:
        """Frees the texture; every Sim still using this world is closed first (the C sim borrows it)."""
        for sim in list(self._sims):
            sim.close()
        super().close()

    @classmethod
    def _make(cls, fn, *args, where: str) -> "World":
        h = ctypes.c_void_p()
        check(fn(*args, ctypes.byref(h)), where)
        return cls(h.value)

    @classmethod
    def builtin(cls, name: str = "paper", ppu: float = 4.0) -> "World":
        """A built-in track (see track_names()). ArgumentError for an unknown name or bad ppu."""
        return cls(with_detail(_lib.lib().pm_world_create_builtin_ex, name.encode(), float(ppu),
                               where="pm_world_create_builtin %s" % name))

    @classmethod
    def from_png(cls, path: Union[str, os.PathLike], ppu: float = 4.0) -> "World":
        """A track from a PNG file (dark line on light ground; transparency counts as white). FileIOError (cannot
        open or read, not a regular file), FileFormatError (not a PNG, damaged, no dark line), LimitError (file or
        image too large); the message is the library's specific one and names the file."""
        return cls(with_detail(_lib.lib().pm_world_load_png_ex, os.fsencode(path), float(ppu),
                               where="pm_world_load_png", filename=os.fspath(path)))

    @classmethod
    def from_png_bytes(cls, data: bytes, ppu: float = 4.0) -> "World":
        """A track from PNG bytes in memory."""
        buf = ctypes.create_string_buffer(bytes(data), len(data))
        return cls(with_detail(_lib.lib().pm_world_load_png_mem_ex, buf, len(data), float(ppu),
                               where="pm_world_load_png_mem"))

    @classmethod
    def from_array(cls, grey: Any, ppu: float = 4.0) -> "World":
        """A world from a 2-D array (rows, row 0 = top) of grey values in [0, 1] (numpy array or nested lists).
        ArgumentError for values outside [0, 1] or bad sizes, NonFiniteError for NaN/inf."""
        if np is not None:
            a = np.ascontiguousarray(grey, dtype=np.float32)
            if a.ndim != 2:
                raise ValueError("World.from_array: a 2-D array is needed, got shape %s" % (a.shape,))
            h_px, w_px = a.shape
            buf, ptr = a, a.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        else:
            rows = [list(r) for r in grey]
            h_px, w_px = len(rows), len(rows[0]) if rows else 0
            if any(len(r) != w_px for r in rows):
                raise ValueError("World.from_array: rows of different lengths")
            buf = (ctypes.c_float * max(h_px * w_px, 1))(*[float(v) for r in rows for v in r])
            ptr = ctypes.cast(buf, ctypes.POINTER(ctypes.c_float))
        world = cls._make(_lib.lib().pm_world_from_pixels, ptr, int(w_px), int(h_px), float(ppu),
                          where="pm_world_from_pixels")
        del buf
        return world

    @property
    def width_px(self) -> int:
        return _lib.lib().pm_world_width_px(self.handle)

    @property
    def height_px(self) -> int:
        return _lib.lib().pm_world_height_px(self.handle)

    @property
    def ppu(self) -> float:
        return _lib.lib().pm_world_ppu(self.handle)

    @property
    def size(self) -> tuple[float, float]:
        """World size in units (width, height)."""
        return self.width_px / self.ppu, self.height_px / self.ppu

    @property
    def name(self) -> str:
        return _lib.lib().pm_world_name(self.handle).decode()

    @property
    def pixels(self):
        """A copy of the texture, shape (height_px, width_px), float32 in numpy (nested lists otherwise)."""
        w, h = self.width_px, self.height_px
        p = _lib.lib().pm_world_pixels(self.handle)
        if np is not None:
            return np.ctypeslib.as_array(p, shape=(h * w,)).copy().reshape(h, w)
        return [[p[r * w + c] for c in range(w)] for r in range(h)]

    @property
    def start_pose(self) -> Optional[tuple[float, float, float]]:
        """(x, y, heading rad) of a built-in track, None for PNG/array worlds."""
        x, y, a = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        if _lib.lib().pm_world_start_pose(self.handle, ctypes.byref(x), ctypes.byref(y), ctypes.byref(a)):
            return None
        return x.value, y.value, a.value


class Reading(NamedTuple):
    """Sensor reading at one pose: reflex error E, the two reflex readings, line_seen, predictors (n,)."""
    error: float
    reflex_left: float
    reflex_right: float
    line_seen: bool
    predictors: Any


class Sim(Handle):
    """A differential-drive robot on a World with the reflex pair and predictor rows of SPEC §6.

    Keyword arguments override pm_sim_config fields of the paper preset (dt, wheel_distance, max_wheel_speed,
    wheel_noise, seed, reflex_x, reflex_y, reflex_sigma, reflex_gain, n_rows, row_len, row_x0, row_dx,
    row_spacing, predictor_sigma, line_threshold). The world must stay open while the sim lives (it is kept
    referenced here)."""
    _destroy, _what = "pm_sim_destroy", "sim"

    def __init__(self, world: World, **config: Any):
        cfg = _lib.SimConfig()
        _lib.lib().pm_sim_config_paper(ctypes.byref(cfg))
        names = {f[0] for f in _lib.SimConfig._fields_}
        for k, v in config.items():
            if k not in names:
                raise TypeError("Sim: unknown config field '%s'" % k)
            setattr(cfg, k, v)
        h = ctypes.c_void_p()
        check(_lib.lib().pm_sim_create(ctypes.byref(cfg), world.handle, ctypes.byref(h)), "pm_sim_create")
        super().__init__(h.value)
        self.world = world
        world._sims.add(self)

    @property
    def n_predictors(self) -> int:
        return _lib.lib().pm_sim_n_predictors(self.handle)

    @property
    def steps(self) -> int:
        return _lib.lib().pm_sim_steps(self.handle)

    def sense(self) -> Reading:
        """Reads all sensors at the current pose."""
        r = _lib.SimReading()
        n = self.n_predictors
        buf = out_buffer(n)
        check(_lib.lib().pm_sim_sense(self.handle, ctypes.byref(r), buf), "pm_sim_sense")
        return Reading(r.error, r.reflex_left, r.reflex_right, bool(r.line_seen), to_array(buf, n))

    def step(self, left: float, right: float) -> None:
        """Moves one dt with wheel speed commands (units/s). NonFiniteError for NaN/inf (pose unchanged)."""
        check(_lib.lib().pm_sim_step(self.handle, float(left), float(right)), "pm_sim_step")

    @property
    def pose(self) -> tuple[float, float, float]:
        """(x, y, heading rad)."""
        x, y, a = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        _lib.lib().pm_sim_pose(self.handle, ctypes.byref(x), ctypes.byref(y), ctypes.byref(a))
        return x.value, y.value, a.value

    def set_pose(self, x: float, y: float, heading: float) -> None:
        """Places the robot (heading in rad). ArgumentError off the texture, NonFiniteError for NaN/inf."""
        check(_lib.lib().pm_sim_set_pose(self.handle, float(x), float(y), float(heading)), "pm_sim_set_pose")

    def to_world(self, fx: float, fy: float) -> tuple[float, float]:
        """Robot-frame offset to world coordinates at the current pose."""
        x, y = ctypes.c_double(), ctypes.c_double()
        _lib.lib().pm_sim_to_world(self.handle, float(fx), float(fy), ctypes.byref(x), ctypes.byref(y))
        return x.value, y.value
