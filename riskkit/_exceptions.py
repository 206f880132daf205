"""Exceptions and warnings raised by riskkit."""

from __future__ import annotations

__all__ = ["ConvergenceWarning", "InputError", "RiskkitWarning"]


class InputError(ValueError):
    """Bad input: the message names the argument, the rule it breaks and the bad value."""


class RiskkitWarning(UserWarning):
    """Base class of riskkit warnings."""


class ConvergenceWarning(RiskkitWarning):
    """An estimation did not converge; the result is flagged ``converged=False``."""


class CacheWarning(RiskkitWarning):
    """The Numba cache directory is not writable; kernels are compiled without caching."""
