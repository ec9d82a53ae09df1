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


class DoubleBuffer:
    """A contiguous float64 copy of x (length n checked) and a ctypes pointer to it; keeps the memory alive."""

    def __init__(self, x: ArrayLike, n: int, what: str):
        if np is not None:
            arr = np.ascontiguousarray(x, dtype=np.float64).ravel()
            if arr.size != n:
                raise ValueError("%s: expected %d values, got %d" % (what, n, arr.size))
            self._keep = arr
            self.ptr = arr.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        else:
            vals = [float(v) for v in x]
            if len(vals) != n:
                raise ValueError("%s: expected %d values, got %d" % (what, n, len(vals)))
            self._keep = (ctypes.c_double * n)(*vals)
            self.ptr = ctypes.cast(self._keep, ctypes.POINTER(ctypes.c_double))


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
