"""primod.compare() and primod.sweep(): many runs through libprimod_experiment.so, the same dictionaries as
`primod compare --json` and `primod sweep --json`."""
from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Iterable, Mapping, Union

from . import _lib
from .errors import RunError
from .run import format_value, run_args

Seeds = Union[str, int, Iterable[int]]


def _list(value: Any) -> str:
    """A list option's text: "a,b" from a sequence, a str as it is."""
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    return ",".join(format_value(v) for v in value)


def _seeds(value: Seeds) -> str:
    """--seeds text: "1-10" as it is, an int, a range(a, b) as "a-(b-1)", or any iterable of ints."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, range) and value.step == 1 and len(value) > 0:
        return "%d-%d" % (value.start, value.stop - 1)
    return ",".join(str(int(s)) for s in value)


def batch_args(sweep: bool = False, rules: Any = None, seeds: Seeds = None, tracks: Any = None,
               rates: Mapping[str, float] = None, grid: Mapping[str, Iterable[Any]] = None, jobs: int = None,
               out: Union[str, os.PathLike] = None, **options: Any) -> list[str]:
    """The `primod compare` / `primod sweep` arguments for compare()'s or sweep()'s keywords."""
    for key in ("log", "save_model", "load_model"):
        if options.get(key) is not None:
            raise TypeError("%s(): '%s' is an option of run() only" % ("sweep" if sweep else "compare", key))
    args = run_args(**options)   # preset, config, set and the shorthands, exactly as run() passes them
    if rules is not None:
        args += ["--rules", _list(rules)]
    if seeds is not None:
        args += ["--seeds", _seeds(seeds)]
    if tracks is not None:
        args += ["--tracks", _list(tracks)]
    for rule, rate in (rates or {}).items():
        args += ["--rate-%s" % rule, format_value(rate)]
    if grid:
        if not sweep:
            raise TypeError("compare(): grid= is an option of sweep() only")
        for key, values in grid.items():
            texts = [format_value(v) for v in values]
            sep = ";" if any("," in t for t in texts) else ","   # list values: 'network.hidden=10;20,10'
            args += ["--grid", "%s=%s" % (key, sep.join(texts))]
    if jobs is not None:
        args += ["--jobs", str(jobs)]
    if out is not None:
        args += ["--out", os.fspath(out)]
    return args


def _batch(cmd: str, args: list[str]) -> dict:
    argv_list = [cmd] + args
    argv = (ctypes.c_char_p * len(argv_list))(*[a.encode() for a in argv_list])
    out = ctypes.c_void_p()
    err = ctypes.create_string_buffer(1024)
    t = _lib.tools_lib()
    rc = t.pm_capi_batch_json(cmd.encode(), len(argv_list), argv, ctypes.byref(out), err, len(err))
    if rc != 0:
        raise RunError(rc, err.value.decode(errors="replace"), "primod." + cmd)
    try:
        text = ctypes.string_at(out.value).decode()
    finally:
        t.pm_capi_free(out.value)
    return json.loads(text)


def compare(**options: Any) -> dict:
    """Runs rules x seeds (x tracks) in worker processes and returns `primod compare --json`'s dictionary:
    {"runs": [run records], "rules": {rule: summary}} (summaries: success_rate, median_success_step, iqr, ...).

    Options: rules=["bp", "pm"] (default bp, pm, sr, sign), seeds="1-10" | range(1, 11) | [1, 3], tracks=[...],
    rates={"pm": 1e-5} (--rate-RULE), jobs=N, out=DIR (resumable result files), and run()'s config options
    (preset, config, set, track, start, ppu, seed, max_steps, rule, rate). Results do not depend on jobs.
    Raises RunError with the CLI's message (status = exit code 1 or 2)."""
    return _batch("compare", batch_args(False, **options))


def sweep(**options: Any) -> dict:
    """Runs every combination of rules x grid values x tracks x seeds and returns `primod sweep --json`'s
    dictionary: {"runs": [...], "groups": {"pm learning.rate=1e-05": summary, ...}}.

    Options: compare()'s, and grid={"learning.rate": [1e-5, 1e-4], "network.hidden": [[10], [20, 10]]}."""
    return _batch("sweep", batch_args(True, **options))
