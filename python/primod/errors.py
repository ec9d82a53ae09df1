"""Exceptions carrying the library's own message (pm_status_str) for every failed primod call."""
from __future__ import annotations

from . import _lib

# pm_status codes (include/primod/status.h)
OK, ERR_ARG, ERR_NOMEM, ERR_IO, ERR_FORMAT, ERR_NONFINITE = range(6)


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


class RunError(PrimodError):
    """primod.run() failed: ``status`` is the CLI exit code (1 runtime failure, 2 usage/config error)."""


_CLASSES = {ERR_ARG: ArgumentError, ERR_NOMEM: NoMemoryError, ERR_IO: FileIOError, ERR_FORMAT: FileFormatError,
            ERR_NONFINITE: NonFiniteError}


def status_str(status: int) -> str:
    """The library's one-line message for a status code."""
    return _lib.lib().pm_status_str(status).decode()


def check(status: int, where: str) -> None:
    """Raises the matching PrimodError if status is not PM_OK."""
    if status != OK:
        raise _CLASSES.get(status, PrimodError)(status, status_str(status), where)
