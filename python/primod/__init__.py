"""primod: closed-loop learning of forward models with Prime-and-Modulate learning (ctypes bindings).

Classes: Net (SPEC §2-3), FilterBank (§4), Loop (§5), World and Sim (§6); run() does what `primod run --json`
does and returns its dictionary. The shared libraries are found through $PRIMOD_LIB_DIR, else next to the
installed package, else by the system loader. Every failed call raises a PrimodError subclass whose message is
the library's own (pm_status_str). Works with numpy arrays when numpy is installed, with lists otherwise.
"""
from __future__ import annotations

from ._arrays import HAVE_NUMPY
from .errors import (ArgumentError, CancelledError, FileFormatError, FileIOError, LimitError, NoMemoryError,
                     NonFiniteError, PrimodError, RunError, status_str)
from .filter import FilterBank, Resonator, resonator_design
from .loop import Loop, Step
from .net import Net
from .run import run, run_args
from .sim import WHITE_READING, Reading, Sim, World, track_names

__version__ = "0.1.0"
__all__ = ["Net", "FilterBank", "Resonator", "resonator_design", "Loop", "Step", "World", "Sim", "Reading",
           "track_names", "run", "run_args", "PrimodError", "ArgumentError", "NonFiniteError", "FileFormatError",
           "FileIOError", "NoMemoryError", "LimitError", "CancelledError", "RunError", "status_str", "WHITE_READING", "HAVE_NUMPY"]
