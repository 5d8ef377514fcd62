"""Warming up: load a network before the first reconstruction needs it (the app does this on
a worker once its window is up), so that reconstruction starts at once."""

from __future__ import annotations

from hdr_studio.api.catalogue import default_method, require_available


def warm_up(method: str | None = None, device: str = "auto") -> str:
    """Load ``method`` (``None``: the default method) onto ``device`` into the process's
    model cache, where the next reconstruction with it finds it; the built-in methods need
    nothing. Returns the method's name. :class:`~hdr_studio.api.errors.UnknownMethodError`
    or :class:`~hdr_studio.api.errors.UnavailableMethodError` when it cannot run here."""
    name = method or default_method()
    info = require_available(name)
    if not info.builtin:
        from hdr_studio.inference.pipeline import load_model

        load_model(name, device)
    return name
