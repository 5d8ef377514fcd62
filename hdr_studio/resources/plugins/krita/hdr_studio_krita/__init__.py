"""HDR Studio for Krita: Tools ▸ HDR Studio (show clipping, reconstruct highlights, open in
HDR Studio). The work happens in HDR Studio's bridge; this plug-in uses only Krita, PyQt5 and
the standard library."""

try:
    from krita import Krita
except ImportError:  # imported outside Krita (e.g. by a packaging check)
    Krita = None

if Krita is not None and Krita.instance() is not None:
    from .extension import HDRStudioExtension

    Krita.instance().addExtension(HDRStudioExtension(Krita.instance()))
