"""The lifetime of a C object held from Python, shared by Net, FilterBank, Loop, World and Sim: one handle,
freed exactly once by close(), the end of a ``with`` block or garbage collection."""
from __future__ import annotations

from typing import Optional

from . import _lib


class Handle:
    """Base class: subclasses name their C destructor in ``_destroy`` and themselves in ``_what`` (messages),
    and override ``_release`` when freeing is not simply the destructor (e.g. a borrowed handle)."""
    _destroy = ""                 # name of the pm_*_destroy function in libprimod
    _what = "object"              # "the <what> is closed"
    _h: Optional[int] = None      # class default: a half-built object (constructor raised) is simply closed

    def __init__(self, h: int):
        self._h = h

    @property
    def handle(self) -> int:
        """The C pointer; raises ValueError once closed."""
        if self._h is None:
            raise ValueError("the %s is closed" % self._what)
        return self._h

    @property
    def closed(self) -> bool:
        return self._h is None

    def _release(self, h: int) -> None:
        """Frees the C object behind h (called once, from close())."""
        getattr(_lib.lib(), self._destroy)(h)

    def close(self) -> None:
        """Frees the C object (idempotent)."""
        if self._h is not None:
            h, self._h = self._h, None
            self._release(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
