"""Conversions between Python sequences / numpy arrays and C double buffers (numpy optional)."""
from __future__ import annotations

import ctypes
from typing import Any, Sequence, Union

try:
    import numpy as np
except ImportError:  # the package works without numpy: plain lists then
    np = None

HAVE_NUMPY = np is not None
ArrayLike = Union[Sequence[float], Any]


def _bad(what: str, message: str):
    from .errors import ArgumentError, ERR_ARG  # late import: errors imports _lib, which is light
    return ArgumentError(ERR_ARG, message)


class DoubleBuffer:
    """A contiguous float64 copy of x and a ctypes pointer to it; keeps the memory alive. The shape is checked
    exactly: (n,) by default, or shape (e.g. (rows, cols)); anything else (a 2-D array for a vector, a wrong length,
    ragged rows, strings) raises ArgumentError (a ValueError) instead of being flattened silently."""

    def __init__(self, x: ArrayLike, n: int, what: str, shape: tuple = None):
        want = tuple(shape) if shape else (n,)
        if np is not None:
            try:
                arr = np.asarray(x, dtype=np.float64)
            except (TypeError, ValueError) as e:
                raise _bad(what, "%s: expected numbers of shape %s (%s)" % (what, want, e)) from None
            if arr.shape != want:
                raise _bad(what, "%s: expected shape %s (%d values), got shape %s" % (what, want, n, arr.shape))
            arr = np.ascontiguousarray(arr).ravel()
            self._keep = arr
            self.ptr = arr.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        else:
            vals = _flatten(x, want, what)
            self._keep = (ctypes.c_double * max(n, 1))(*vals)
            self.ptr = ctypes.cast(self._keep, ctypes.POINTER(ctypes.c_double))


def _flatten(x: Any, shape: tuple, what: str) -> list:
    """Nested sequences of exactly shape as a flat list of floats (no numpy)."""
    import numbers
    if len(shape) == 0:
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise _bad(what, "%s: expected a number, got %r" % (what, x))
        return [float(x)]
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__") or len(x) != shape[0]:
        got = len(x) if hasattr(x, "__len__") else type(x).__name__
        raise _bad(what, "%s: expected shape %s, got length %s at depth %d" % (what, shape, got, 0))
    out = []
    for v in x:
        out.extend(_flatten(v, shape[1:], what))
    return out


def out_buffer(n: int) -> ctypes.Array:
    """A zeroed C double[n] for the library to write into."""
    return (ctypes.c_double * max(n, 1))()


def to_array(ptr: Any, n: int, shape: tuple = None):
    """Copies n doubles from a C pointer (or ctypes array) into a numpy array (shaped) or a list (nested rows)."""
    if np is not None:
        a = np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(ctypes.c_double)), shape=(n,)).copy() \
            if n else np.zeros(0)
        return a.reshape(shape) if shape else a
    vals = [ptr[i] for i in range(n)]
    if shape and len(shape) == 2:
        return [vals[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])]
    return vals
