"""primod.run(): one closed-loop run through the CLI layer (libprimod_experiment.so), same dictionary as `primod run --json`."""
from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Iterable, Mapping, Union

from . import _lib
from .errors import RunError

# Keyword -> the CLI's shorthand option for one config key (tools/cli_common.c), passed as it is: the C side
# parses run()'s arguments with the same code as `primod run`.
ALIASES = {"track": "--track", "start": "--start", "ppu": "--ppu", "seed": "--seed",
           "max_steps": "--max-steps", "rule": "--rule", "rate": "--rate"}
FILES = {"log": "--log", "save_model": "--save-model", "load_model": "--load-model"}


def format_value(v: Any) -> str:
    """A config value as the CLI text: repr() of floats (round-trip exact), true/false, comma-joined lists."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return ",".join(format_value(x) for x in v)
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    return str(v)


def run_args(**options: Any) -> list[str]:
    """The `primod run` arguments for run()'s keywords (also usable to call the CLI with the same options)."""
    args: list[str] = []
    for key, value in options.items():
        if value is None:
            continue
        if key == "preset":
            args += ["--preset", str(value)]
        elif key == "config":
            for path in ([value] if isinstance(value, (str, os.PathLike)) else value):
                args += ["--config", os.fspath(path)]
        elif key == "set":
            items: Iterable = value.items() if isinstance(value, Mapping) else (s.split("=", 1) for s in value)
            for k, v in items:
                args += ["--set", "%s=%s" % (k, format_value(v))]
        elif key in ALIASES:
            args += [ALIASES[key], format_value(value)]
        elif key in FILES:
            args += [FILES[key], os.fspath(value)]
        else:
            raise TypeError("run(): unknown option '%s' (preset, config, set, %s, %s)"
                            % (key, ", ".join(ALIASES), ", ".join(FILES)))
    return args


def run(**options: Any) -> dict:
    """Runs the simulated closed loop to its end and returns the run record, the same dictionary as
    `primod run --json` with the same options (only steps_per_second depends on the machine).

    Options: preset="paper"|"study", config=FILE or [FILES], set={"section.key": value, ...}, track, start,
    ppu, seed, max_steps, rule, rate (the CLI's shorthands), log=FILE.tsv, save_model=FILE, load_model=FILE.
    Example: primod.run(rule="pm", seed=1, track="paper", max_steps=2000, preset="study",
    set={"robot.speed": 60}, rate=1e-5). Raises RunError with the CLI's message (status = exit code 1 or 2)."""
    argv_list = ["run"] + run_args(**options)
    argv = (ctypes.c_char_p * len(argv_list))(*[a.encode() for a in argv_list])
    out = ctypes.c_void_p()
    err = ctypes.create_string_buffer(1024)
    t = _lib.tools_lib()
    rc = t.pm_capi_run_json(len(argv_list), argv, ctypes.byref(out), err, len(err))
    if rc != 0:
        raise RunError(rc, err.value.decode(errors="replace"), "primod.run")
    try:
        text = ctypes.string_at(out.value).decode()
    finally:
        t.pm_capi_free(out.value)
    return json.loads(text)
