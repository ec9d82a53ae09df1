"""Finds and loads libprimod.so / libprimod_experiment.so and declares the C signatures (ctypes mirrors of the headers)."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_char_p, c_double, c_float, c_int, c_long, c_size_t, c_uint64,
                    c_ulonglong, c_void_p)
from typing import Optional

c_double_p = POINTER(c_double)
c_int_p = POINTER(c_int)

# ---- library lookup: $PRIMOD_LIB_DIR, then the install's lib dir, then the system loader ----


def _install_lib_dirs() -> list[str]:
    """Library directories of an installed package: the one written at install time, then <prefix>/lib."""
    dirs = []
    try:
        from . import _install  # written by cmake --install (python/install.cmake)
        dirs.append(_install.LIBDIR)
    except ImportError:
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    # <prefix>/lib/python3/dist-packages/primod -> <prefix>/lib
    dirs.append(os.path.normpath(os.path.join(here, "..", "..", "..")))
    return dirs


def _find(name: str) -> str:
    """Path (or loader name) of lib<name>.so: $PRIMOD_LIB_DIR first, else next to the install, else the loader."""
    fname = "lib%s.so" % name
    env = os.environ.get("PRIMOD_LIB_DIR")
    if env:
        path = os.path.join(env, fname)
        if not os.path.exists(path):
            raise OSError("PRIMOD_LIB_DIR=%s has no %s" % (env, fname))
        return path
    for d in _install_lib_dirs():
        path = os.path.join(d, fname)
        if os.path.exists(path):
            return path
    return ctypes.util.find_library(name) or fname


_libs: dict[str, ctypes.CDLL] = {}


def lib() -> ctypes.CDLL:
    """The core library libprimod.so (net, filter, loop, sim), loaded once with its signatures declared."""
    if "core" not in _libs:
        _libs["core"] = _declare_core(ctypes.CDLL(_find("primod")))
    return _libs["core"]


def tools_lib() -> ctypes.CDLL:
    """The experiment layer libprimod_experiment.so (primod.run), loaded on first use."""
    if "tools" not in _libs:
        t = ctypes.CDLL(_find("primod_experiment"))
        t.pm_capi_run_json.argtypes = [c_int, POINTER(c_char_p), POINTER(c_void_p), ctypes.c_char_p, c_size_t]
        t.pm_capi_run_json.restype = c_int
        t.pm_capi_free.argtypes = [c_void_p]
        t.pm_capi_free.restype = None
        t.pm_capi_sizeof.argtypes = [c_char_p]
        t.pm_capi_sizeof.restype = c_size_t
        _libs["tools"] = t
    return _libs["tools"]


# ---- struct mirrors (field order and types exactly as in include/primod/*.h) ----

class NetConfig(Structure):
    """pm_net_config (net.h)."""
    _fields_ = [("n_inputs", c_int), ("n_layers", c_int), ("layer_sizes", c_int_p), ("activation", c_int),
                ("seed", c_ulonglong), ("use_bias", c_int), ("init", c_int), ("init_scale", c_double),
                ("first_layer_scale", c_double), ("alloc_fn", c_void_p), ("free_fn", c_void_p),
                ("alloc_ctx", c_void_p)]


class FilterConfig(Structure):
    """pm_filter_config (filter.h)."""
    _fields_ = [("n_signals", c_int), ("n_filters", c_int), ("kind", c_int), ("t_min", c_double),
                ("t_max", c_double), ("q", c_double)]


class SuccessConfig(Structure):
    """pm_success_config (loop.h)."""
    _fields_ = [("warmup", c_int), ("window", c_int), ("hold", c_int), ("threshold", c_double)]


class LoopConfig(Structure):
    """pm_loop_config (loop.h)."""
    _fields_ = [("n_predictors", c_int), ("n_rows", c_int), ("row_len", c_int), ("filter", FilterConfig),
                ("net", NetConfig), ("rule", c_int), ("rate", c_double), ("dead_band", c_double),
                ("speed", c_double), ("net_gain", c_double), ("output_mix", c_double_p),
                ("relevance_threshold", c_double), ("success", SuccessConfig), ("lost_steps", c_int),
                ("learn", c_int)]


class LoopInput(Structure):
    """pm_loop_input (loop.h)."""
    _fields_ = [("error", c_double), ("predictors", c_double_p), ("relevance", c_double),
                ("relevance_given", c_int), ("line_seen", c_int)]


class LoopOutput(Structure):
    """pm_loop_output (loop.h)."""
    _fields_ = [("steering", c_double), ("left", c_double), ("right", c_double), ("relevance", c_double),
                ("outputs", c_double_p), ("success", c_int), ("lost", c_int)]


class SimConfig(Structure):
    """pm_sim_config (sim.h)."""
    _fields_ = [("dt", c_double), ("wheel_distance", c_double), ("max_wheel_speed", c_double),
                ("wheel_noise", c_double), ("seed", c_uint64), ("reflex_x", c_double), ("reflex_y", c_double),
                ("reflex_sigma", c_double), ("reflex_gain", c_double), ("n_rows", c_int), ("row_len", c_int),
                ("row_x0", c_double), ("row_dx", c_double), ("row_spacing", c_double),
                ("predictor_sigma", c_double), ("line_threshold", c_double)]


class SimReading(Structure):
    """pm_sim_reading (sim.h)."""
    _fields_ = [("error", c_double), ("reflex_left", c_double), ("reflex_right", c_double),
                ("line_seen", c_int)]


class Setup(Structure):
    """pm_setup (setup.h): memory budget, cancel flag, error-detail buffer (not in STRUCTS: no capi sizeof)."""
    _fields_ = [("max_bytes", c_size_t), ("cancel", c_void_p), ("detail", c_void_p), ("detail_size", c_size_t)]


STRUCTS = {"pm_net_config": NetConfig, "pm_filter_config": FilterConfig, "pm_success_config": SuccessConfig,
           "pm_loop_config": LoopConfig, "pm_loop_input": LoopInput, "pm_loop_output": LoopOutput,
           "pm_sim_config": SimConfig, "pm_sim_reading": SimReading}

# ---- signatures: name -> (restype, argtypes); status-returning calls use c_int ----
_P = c_void_p
_SIGS: dict[str, tuple] = {
    "pm_status_str": (c_char_p, [c_int]),
    # net.h
    "pm_net_create": (c_int, [POINTER(NetConfig), POINTER(_P)]),
    "pm_net_destroy": (None, [_P]),
    "pm_net_clone": (c_int, [_P, POINTER(_P)]),
    "pm_net_forward": (c_int, [_P, c_double_p]),
    "pm_net_outputs": (c_double_p, [_P]),
    "pm_net_learn": (c_int, [_P, c_int, c_double, c_double, c_double]),
    "pm_net_learn_vec": (c_int, [_P, c_int, c_double_p, c_double, c_double]),
    "pm_net_n_inputs": (c_int, [_P]),
    "pm_net_n_layers": (c_int, [_P]),
    "pm_net_n_outputs": (c_int, [_P]),
    "pm_net_layer_size": (c_int, [_P, c_int]),
    "pm_net_layer_inputs": (c_int, [_P, c_int]),
    "pm_net_has_bias": (c_int, [_P]),
    "pm_net_n_weights": (c_long, [_P]),
    "pm_net_weight": (c_double, [_P, c_int, c_int, c_int]),
    "pm_net_set_weight": (c_int, [_P, c_int, c_int, c_int, c_double]),
    "pm_net_layer_weights": (c_double_p, [_P, c_int, c_int_p, c_int_p]),
    "pm_net_layer_deltas": (c_double_p, [_P, c_int]),
    "pm_net_layer_activations": (c_double_p, [_P, c_int]),
    "pm_net_weight_distance": (c_double, [_P, c_int]),
    "pm_net_mark_initial": (None, [_P]),
    "pm_net_reset": (None, [_P]),
    "pm_net_save": (c_int, [_P, c_char_p]),
    "pm_net_load": (c_int, [c_char_p, POINTER(_P)]),
    "pm_net_load_ex": (c_int, [c_char_p, POINTER(Setup), POINTER(_P)]),
    "pm_net_save_mem": (c_int, [_P, c_void_p, POINTER(c_size_t)]),
    "pm_net_load_mem": (c_int, [c_void_p, c_size_t, POINTER(_P)]),
    # filter.h
    "pm_resonator_design": (c_int, [c_double, c_double, c_double_p, c_double_p, c_double_p]),
    "pm_filter_create": (c_int, [POINTER(FilterConfig), POINTER(_P)]),
    "pm_filter_destroy": (None, [_P]),
    "pm_filter_step": (c_int, [_P, c_double_p, c_double_p]),
    "pm_filter_preview": (c_int, [_P, c_double_p, c_double_p]),
    "pm_filter_reset": (None, [_P]),
    "pm_filter_n_outputs": (c_int, [_P]),
    "pm_filter_n_signals": (c_int, [_P]),
    "pm_filter_get_config": (FilterConfig, [_P]),
    "pm_filter_coeffs": (c_int, [_P, c_int, c_double_p, c_double_p, c_double_p, c_double_p]),
    # loop.h
    "pm_loop_config_paper": (None, [POINTER(LoopConfig)]),
    "pm_loop_create": (c_int, [POINTER(LoopConfig), POINTER(_P)]),
    "pm_loop_destroy": (None, [_P]),
    "pm_loop_step": (c_int, [_P, POINTER(LoopInput), POINTER(LoopOutput)]),
    "pm_loop_steps": (c_long, [_P]),
    "pm_loop_success_step": (c_long, [_P]),
    "pm_loop_success_declared_step": (c_long, [_P]),
    "pm_loop_error_integral": (c_double, [_P]),
    "pm_loop_mean_abs_error": (c_double, [_P]),
    "pm_loop_n_predictors": (c_int, [_P]),
    "pm_loop_n_inputs": (c_int, [_P]),
    "pm_loop_n_outputs": (c_int, [_P]),
    "pm_loop_inputs": (c_double_p, [_P]),
    "pm_loop_net_mut": (_P, [_P]),
    "pm_loop_set_learning": (c_int, [_P, c_int]),
    "pm_loop_reset": (None, [_P]),
    "pm_loop_replace_net": (c_int, [_P, _P]),
    "pm_loop_rule_name": (c_char_p, [c_int]),
    "pm_loop_rule_parse": (c_int, [c_char_p, c_int_p]),
    # sim.h
    "pm_track_names": (POINTER(c_char_p), [c_int_p]),
    "pm_world_create_builtin": (c_int, [c_char_p, c_double, POINTER(_P)]),
    "pm_world_load_png": (c_int, [c_char_p, c_double, POINTER(_P)]),
    "pm_world_load_png_ex": (c_int, [c_char_p, c_double, POINTER(Setup), POINTER(_P)]),
    "pm_world_create_builtin_ex": (c_int, [c_char_p, c_double, POINTER(Setup), POINTER(_P)]),
    "pm_world_load_png_mem_ex": (c_int, [c_void_p, c_size_t, c_double, POINTER(Setup), POINTER(_P)]),
    "pm_world_load_png_mem": (c_int, [c_void_p, c_size_t, c_double, POINTER(_P)]),
    "pm_world_from_pixels": (c_int, [POINTER(c_float), c_int, c_int, c_double, POINTER(_P)]),
    "pm_world_destroy": (None, [_P]),
    "pm_world_width_px": (c_int, [_P]),
    "pm_world_height_px": (c_int, [_P]),
    "pm_world_ppu": (c_double, [_P]),
    "pm_world_pixels": (POINTER(c_float), [_P]),
    "pm_world_name": (c_char_p, [_P]),
    "pm_world_start_pose": (c_int, [_P, c_double_p, c_double_p, c_double_p]),
    "pm_sim_config_paper": (None, [POINTER(SimConfig)]),
    "pm_sim_create": (c_int, [POINTER(SimConfig), _P, POINTER(_P)]),
    "pm_sim_destroy": (None, [_P]),
    "pm_sim_set_pose": (c_int, [_P, c_double, c_double, c_double]),
    "pm_sim_sense": (c_int, [_P, POINTER(SimReading), c_double_p]),
    "pm_sim_step": (c_int, [_P, c_double, c_double]),
    "pm_sim_pose": (None, [_P, c_double_p, c_double_p, c_double_p]),
    "pm_sim_steps": (c_long, [_P]),
    "pm_sim_n_predictors": (c_int, [_P]),
    "pm_sim_n_rows": (c_int, [_P]),
    "pm_sim_row_len": (c_int, [_P]),
    "pm_sim_reflex_offsets": (None, [_P, c_double_p]),
    "pm_sim_predictor_offsets": (None, [_P, c_double_p]),
    "pm_sim_to_world": (None, [_P, c_double, c_double, c_double_p, c_double_p]),
}


def _declare_core(cdll: ctypes.CDLL) -> ctypes.CDLL:
    """Sets restype/argtypes of every function the package calls. A symbol missing from an older library is
    skipped here; calling it later raises AttributeError naming it (never a call with undeclared types)."""
    for name, (res, args) in _SIGS.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            continue
        fn.restype = res
        fn.argtypes = args
    return cdll


def check_layouts(tools: Optional[ctypes.CDLL] = None) -> dict[str, tuple[int, int]]:
    """Compares each mirrored struct's size with the compiled sizeof (needs libprimod_experiment.so).
    Returns {name: (ctypes size, C size)} for every mismatch (empty when all agree)."""
    t = tools or tools_lib()
    bad = {}
    for name, cls in STRUCTS.items():
        c_size = t.pm_capi_sizeof(name.encode())
        if c_size != ctypes.sizeof(cls):
            bad[name] = (ctypes.sizeof(cls), c_size)
    return bad
