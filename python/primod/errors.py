"""Exceptions carrying the library's own message (pm_status_str) for every failed primod call."""
from __future__ import annotations

from . import _lib

# pm_status codes (include/primod/status.h)
OK, ERR_ARG, ERR_NOMEM, ERR_IO, ERR_FORMAT, ERR_NONFINITE, ERR_LIMIT, ERR_CANCELLED = range(8)


class PrimodError(Exception):
    """A primod call failed. ``status`` is the pm_status code, ``message`` the library's pm_status_str text."""

    def __init__(self, status: int, message: str, where: str = ""):
        self.status = status
        self.message = message
        self.where = where
        super().__init__("%s: %s" % (where, message) if where else message)


class ArgumentError(PrimodError, ValueError):
    """PM_ERR_ARG: bad argument, out of range, wrong size or wrong call order."""


class NonFiniteError(PrimodError, ValueError):
    """PM_ERR_NONFINITE: NaN or infinity refused (the object is unchanged)."""


class FileFormatError(PrimodError, ValueError):
    """PM_ERR_FORMAT: a file is truncated, damaged, foreign or of an unknown version."""


class FileIOError(PrimodError, OSError):
    """PM_ERR_IO: a file could not be opened, read, written or renamed."""


class NoMemoryError(PrimodError, MemoryError):
    """PM_ERR_NOMEM: an allocation failed."""


class LimitError(PrimodError, ValueError):
    """PM_ERR_LIMIT: a size or memory limit would be exceeded (image, file, world maps); nothing was allocated."""


class CancelledError(PrimodError):
    """PM_ERR_CANCELLED: a long set-up was stopped by its cancel flag."""


class RunError(PrimodError):
    """primod.run() failed: ``status`` is the CLI exit code (1 runtime failure, 2 usage/config error)."""


_CLASSES = {ERR_ARG: ArgumentError, ERR_NOMEM: NoMemoryError, ERR_IO: FileIOError, ERR_FORMAT: FileFormatError,
            ERR_NONFINITE: NonFiniteError, ERR_LIMIT: LimitError, ERR_CANCELLED: CancelledError}


def status_str(status: int) -> str:
    """The library's one-line message for a status code."""
    return _lib.lib().pm_status_str(status).decode()


def check(status: int, where: str, detail: str = "", filename: str = None) -> None:
    """Raises the matching PrimodError if status is not PM_OK. detail (the library's error-detail message, which
    names the file and the reason) replaces the generic status text when given; filename is kept on the exception
    as ``.path``."""
    if status != OK:
        err = _CLASSES.get(status, PrimodError)(status, detail or status_str(status), where)
        if filename is not None:
            err.path = filename  # not OSError's .filename: setting that would replace the message in str()
        raise err


def with_detail(fn, *args, where: str, filename: str = None):
    """Calls a pm_*_ex set-up function fn(*args, &setup, &handle) with an error-detail buffer; returns the handle
    or raises the matching PrimodError whose message is the library's specific one (naming the file and reason)."""
    import ctypes
    msg = ctypes.create_string_buffer(512)
    opt = _lib.Setup(0, None, ctypes.cast(msg, ctypes.c_void_p), len(msg))
    h = ctypes.c_void_p()
    st = fn(*args, ctypes.byref(opt), ctypes.byref(h))
    check(st, where, msg.value.decode(errors="replace"), filename)
    return h.value


def raise_arg(where: str, message: str) -> None:
    """Raises ArgumentError for a bad argument caught on the Python side (same type as the library's PM_ERR_ARG)."""
    raise ArgumentError(ERR_ARG, message, where)


def size(value, what: str, where: str) -> int:
    """value as a C int size: a Python or numpy integer, never a bool, float or string (ArgumentError)."""
    import numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise_arg(where, "%s must be an integer, got %r" % (what, value))
    return int(value)


def finite(value, what: str, where: str) -> float:
    """value as a finite float: NonFiniteError for NaN/inf (as the library would), ArgumentError if not a number."""
    import math
    import numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise_arg(where, "%s must be a number, got %r" % (what, value))
    v = float(value)
    if not math.isfinite(v):
        raise NonFiniteError(ERR_NONFINITE, "%s is %r: %s" % (what, v, status_str(ERR_NONFINITE)), where)
    return v
