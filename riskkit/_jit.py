"""The one Numba policy shim of riskkit.

Every compiled kernel is decorated with :func:`jit` from this module, so the
compilation options live in one place:

* ``cache=True`` so compiled code is reused across processes,
* ``nogil=True`` so a thread pool can run kernels in parallel,
* ``error_model="numpy"`` (division by zero gives inf/nan, as in numpy),
* no ``fastmath`` by default: ``nnan``/``ninf`` would let the compiler assume no NaN
  and break NaN checks. A kernel may opt in to ``fastmath={"reassoc"}`` alone (NaN
  checks keep working) where it says why, as the quantile-regression interior point does.

Compilation is lazy (no signatures are given), so ``import riskkit`` compiles
nothing. Setting ``RISKKIT_DISABLE_JIT=1`` returns the undecorated Python
functions (for debugging and coverage): the same code runs as plain Python.
If the cache directory is not writable the kernel is compiled without caching
and one :class:`~riskkit._exceptions.CacheWarning` is issued.

Kernel modules register a small function that calls each of their kernels
once on tiny inputs with :func:`register_warmup`; :func:`warmup` runs them all
(``riskkit warmup`` / ``rk.warmup()``) to fill the cache.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from riskkit._exceptions import CacheWarning

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["JIT_DISABLED", "clear_cache", "jit", "kernel_modules", "register_warmup", "warmup"]

JIT_DISABLED = os.environ.get("RISKKIT_DISABLE_JIT", "0").strip().lower() not in ("", "0", "false")

_OPTIONS: dict[str, Any] = {"nopython": True, "nogil": True, "error_model": "numpy"}
_cache_warned = False
_WARMUPS: list[Callable[[], None]] = []


def kernel_modules() -> list[str]:
    """Every module of :mod:`riskkit._kernels` (discovered, so none can be forgotten)."""
    import pkgutil

    import riskkit._kernels as pkg

    return [f"{pkg.__name__}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]


def jit(func: F | None = None, **overrides: Any) -> Any:
    """Compile ``func`` with riskkit's Numba options (usable as ``@jit`` or ``@jit(...)``)."""

    fastmath = overrides.get("fastmath", False)
    if fastmath is True or (fastmath and set(fastmath) - {"reassoc"}):
        raise ValueError(f"riskkit kernels allow fastmath={{'reassoc'}} at most, got {fastmath!r}")

    def decorate(f: F) -> F:
        if JIT_DISABLED:
            return f
        import numba

        opts = {**_OPTIONS, **overrides}
        try:
            return numba.jit(cache=True, **opts)(f)  # type: ignore[no-any-return]
        except RuntimeError as exc:  # numba: "cannot cache function ... no locator available"
            global _cache_warned
            if not _cache_warned:
                warnings.warn(
                    f"Numba cache is not writable ({exc}); riskkit kernels are compiled "
                    "without caching. Set NUMBA_CACHE_DIR to a writable folder.",
                    CacheWarning,
                    stacklevel=3,
                )
                _cache_warned = True
            return numba.jit(cache=False, **opts)(f)  # type: ignore[no-any-return]

    if func is not None:
        return decorate(func)
    return decorate


def register_warmup(fn: Callable[[], None]) -> Callable[[], None]:
    """Register ``fn`` (no arguments) to be called by :func:`warmup`."""
    _WARMUPS.append(fn)
    return fn


def warmup(verbose: bool = False) -> int:
    """Compile every riskkit kernel once (filling the on-disk cache).

    Returns the number of warm-up functions run.
    """
    for name in kernel_modules():
        importlib.import_module(name)
    done = 0
    for fn in list(_WARMUPS):
        if verbose:
            print(f"compiling {fn.__module__}.{fn.__name__}", flush=True)
        fn()
        done += 1
    return done


def clear_cache() -> int:
    """Delete riskkit's compiled-kernel cache files; return how many were removed.

    Numba re-validates a cached kernel against its *own* source file only: after an
    edit to a kernel that others call from another module, the callers keep running
    the old compiled code until their cache is cleared. Installing a release rewrites
    every file, so this matters for development checkouts; ``riskkit warmup --clear``
    calls this first.
    """
    if JIT_DISABLED:
        return 0
    from pathlib import Path

    removed = 0
    for name in kernel_modules():
        module = importlib.import_module(name)
        stem = name.rsplit(".", 1)[-1]
        folders = {
            Path(obj._cache._cache_path)
            for obj in vars(module).values()
            if getattr(getattr(obj, "_cache", None), "_cache_path", None)
        }
        for folder in folders:
            for path in folder.glob(f"{stem}.*"):
                if path.suffix in (".nbi", ".nbc"):
                    path.unlink(missing_ok=True)
                    removed += 1
    return removed
