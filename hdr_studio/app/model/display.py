"""Which view the viewer gives a result: HDR, where the platform offers an HDR surface and
the display has headroom above SDR white, else the tone-mapped SDR view. The probe of the
platform is Qt's (:mod:`hdr_studio.app.hdr_view`); the choice is made here, from what the
probe found, and the window shows which view is in use. No Qt here.

The platforms and formats follow Qt's RHI: a swap chain in ``HDRExtendedSrgbLinear``
(scRGB: linear Rec.709 in half floats, 1.0 = 80 cd/m² on Windows, SDR white on macOS'
extended range), ``HDRExtendedDisplayP3Linear`` (macOS) or ``HDR10`` (PQ, Rec.2020) where
the backend supports it: Direct3D on Windows, Metal on macOS, Vulkan on Wayland with
colour management. Elsewhere (X11, offscreen, OpenGL) Qt reports SDR only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hdr_studio.app.model.observable import Observable

#: The platforms (Qt platform plugin names) where Qt's RHI can present HDR.
HDR_PLATFORMS = {
    "windows": "Windows (Direct3D, scRGB or HDR10)",
    "cocoa": "macOS (Metal, extended range)",
    "wayland": "Wayland with colour management (Vulkan)",
}
#: Formats in the order each platform prefers them.
PREFERRED = {
    "windows": ("scrgb", "hdr10"),
    "cocoa": ("scrgb", "p3-linear"),
    "wayland": ("scrgb", "hdr10"),
}
FORMAT_NAMES = {
    "scrgb": "scRGB (extended linear sRGB)",
    "p3-linear": "extended linear Display P3",
    "hdr10": "HDR10 (PQ, Rec.2020)",
}
#: Headroom (display peak over SDR white) assumed where the platform offers an HDR surface
#: but does not say its display's peak: 4× (two stops), a common HDR400–600 laptop panel.
ASSUMED_HEADROOM = 4.0
#: Below this headroom an HDR view shows nothing the SDR view does not.
MIN_HEADROOM = 1.25


@dataclass(frozen=True)
class DisplayOffer:
    """What the platform said about the window's screen. ``platform``: Qt's platform
    plugin; ``formats``: the HDR swap-chain formats supported ("scrgb", "p3-linear",
    "hdr10"); ``headroom``: the display's peak over SDR white, None when the platform does
    not say; ``backend``: the RHI backend asked; ``note``: why nothing was offered, if the
    probe itself failed."""

    platform: str
    formats: tuple[str, ...] = ()
    headroom: float | None = None
    backend: str = ""
    note: str = ""


@dataclass(frozen=True)
class DisplayChoice:
    """The view in use: ``hdr`` with its ``format`` and ``headroom``, else SDR; ``label``
    for the indicator, ``reason`` for its tooltip."""

    hdr: bool
    format: str | None
    headroom: float
    label: str
    reason: str


def sdr(reason: str) -> DisplayChoice:
    return DisplayChoice(False, None, 1.0, "SDR view (tone-mapped)", reason)


def choose_display(offer: DisplayOffer, wanted: bool = True) -> DisplayChoice:
    """The view for a window whose screen made ``offer``; ``wanted``: the editor's
    "HDR view where the display offers one" (on by default)."""
    if not wanted:
        return sdr("The HDR view is turned off (View ▸ HDR view where the display offers one).")
    if offer.platform not in HDR_PLATFORMS:
        known = "; ".join(HDR_PLATFORMS.values())
        return sdr(
            f"Qt's '{offer.platform}' platform presents SDR only (HDR surfaces exist on: "
            f"{known}). Results above SDR white are tone-mapped with the BT.2390 roll-off."
        )
    formats = [f for f in PREFERRED[offer.platform] if f in offer.formats]
    if not formats:
        why = offer.note or (
            f"the {offer.backend or 'graphics'} swap chain supports no HDR format on this "
            "screen (HDR may be off in the system's display settings)"
        )
        return sdr(f"No HDR surface: {why}. Results are tone-mapped.")
    headroom = offer.headroom
    assumed = headroom is None
    if assumed:
        headroom = ASSUMED_HEADROOM
    if headroom < MIN_HEADROOM:
        return sdr(
            f"The display reports {headroom:.2f}× headroom above SDR white: the HDR view "
            "would look the same. Results are tone-mapped."
        )
    fmt = formats[0]
    said = (
        f"assumed {headroom:.1f}× (the platform does not report the display's peak)"
        if assumed
        else f"{headroom:.1f}× as the display reports"
    )
    return DisplayChoice(
        True,
        fmt,
        headroom,
        f"HDR view · {headroom:.1f}×",
        f"Results are shown in HDR on a {FORMAT_NAMES[fmt]} surface ({offer.backend}); "
        f"headroom above SDR white {said}; brighter light rolls off to it.",
    )


@dataclass(eq=False)
class DisplayState(Observable):
    """What the window's screen offers, whether the editor wants the HDR view, and the
    view chosen from both (:func:`choose_display`)."""

    offer: DisplayOffer | None = None
    wanted: bool = True
    choice: DisplayChoice = field(default_factory=lambda: sdr("The display is not asked yet."))

    def offered(self, offer: DisplayOffer) -> None:
        self.update(offer=offer, choice=choose_display(offer, self.wanted))

    def want(self, wanted: bool) -> None:
        offer = self.offer or DisplayOffer("")
        self.update(wanted=wanted, choice=choose_display(offer, wanted))
