"""The one entry point every front end (CLI, app, bridge, batch) calls, with a front door for
each operation: reconstruction (a plain picklable request, :mod:`~hdr_studio.api.request`,
and the function that runs it, :mod:`~hdr_studio.api.engine`), the clipping analysis
(:mod:`~hdr_studio.api.analysis`), the base/detail decomposition
(:mod:`~hdr_studio.api.decomposition`) and warming a network up
(:mod:`~hdr_studio.api.warmup`); the method catalogue (:mod:`~hdr_studio.api.catalogue`)
and the parameters of each operation, declared once (:mod:`~hdr_studio.api.parameters`)."""

from hdr_studio.api.analysis import Analysis, analyse
from hdr_studio.api.catalogue import MethodInfo, catalogue, default_method, method_info
from hdr_studio.api.decomposition import Decomposition, decompose
from hdr_studio.api.engine import Outcome, encode, prepare, reconstruct, run_method, write
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.api.warmup import warm_up

__all__ = [
    "Analysis",
    "Decomposition",
    "MethodInfo",
    "Outcome",
    "ReconstructRequest",
    "analyse",
    "catalogue",
    "decompose",
    "default_method",
    "encode",
    "method_info",
    "prepare",
    "reconstruct",
    "run_method",
    "warm_up",
    "write",
]
