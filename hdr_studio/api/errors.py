"""The errors the api's operations raise, for front ends to tell apart and show: every one is
an :class:`HdrStudioError` with the exit code a command line gives it (2 bad input or usage,
3 output refused or failed, 130 cancelled)."""

from hdr_studio.core.errors import Cancelled, HdrStudioError, InputError, OutputError


class UnknownMethodError(InputError):
    """A method name that is not in the catalogue."""


class UnavailableMethodError(InputError):
    """A known method that cannot run here (no weights, no PyTorch)."""


__all__ = [
    "Cancelled",
    "HdrStudioError",
    "InputError",
    "OutputError",
    "UnavailableMethodError",
    "UnknownMethodError",
]
