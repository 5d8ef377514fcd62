"""The one entry point every front end (CLI, app, bridge, batch) calls: the method catalogue
(:mod:`~hdr_studio.api.catalogue`), a plain picklable request (:mod:`~hdr_studio.api.request`)
and the function that runs it (:mod:`~hdr_studio.api.engine`)."""

from hdr_studio.api.catalogue import MethodInfo, catalogue, default_method, method_info
from hdr_studio.api.engine import Outcome, encode, prepare, reconstruct, run_method, write
from hdr_studio.api.request import ReconstructRequest

__all__ = [
    "MethodInfo",
    "Outcome",
    "ReconstructRequest",
    "catalogue",
    "default_method",
    "encode",
    "method_info",
    "prepare",
    "reconstruct",
    "run_method",
    "write",
]
