"""The HDR view in the window. :func:`probe_display` asks Qt whether the window's screen
takes an HDR surface (a swap chain of Qt's RHI on the platform's graphics backend —
Direct3D on Windows, Metal on macOS, Vulkan on Wayland, else OpenGL — is asked which HDR
formats it supports); :func:`hdr_studio.app.model.display.choose_display` decides from the
answer, and :class:`HdrPresenter` shows the result on an
:class:`~hdr_studio.app.hdr_canvas.HdrCanvas` when the choice is HDR, and says in the status
bar which view is in use.

Verified here: X11 (Xvfb, OpenGL: SDR only) and offscreen. Windows, macOS and Wayland are
written to Qt's documentation of ``QRhiSwapChain`` (``isFormatSupported``) only."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui

from hdr_studio.app.hdr_canvas import RHI_FORMATS, HdrCanvas, backend_for
from hdr_studio.app.model.display import DisplayOffer

#: Platforms that have no screen to ask.
NO_SCREEN = {"offscreen", "minimal", "vnc"}


def probe_display(screen: QtGui.QScreen | None = None) -> DisplayOffer:
    """What Qt offers on ``screen`` (default: the primary one)."""
    platform = QtGui.QGuiApplication.platformName()
    if platform in NO_SCREEN:
        return DisplayOffer(platform, note=f"the '{platform}' platform has no screen")
    name, impl, params_class, surface = backend_for(platform)
    if params_class is None:
        return DisplayOffer(platform, backend=name, note=f"this PySide6 has no {name} bindings")
    window = QtGui.QWindow(screen or QtGui.QGuiApplication.primaryScreen())
    window.setSurfaceType(surface)
    window.resize(16, 16)
    keep = []  # objects the RHI uses until it is gone
    try:
        params: Any = params_class()  # each back end's own class (no common base)
        if impl == QtGui.QRhi.Implementation.OpenGLES2:
            params.fallbackSurface = QtGui.QRhiGles2InitParams.newFallbackSurface()
            params.window = window
            keep.append(params.fallbackSurface)
        elif impl == QtGui.QRhi.Implementation.Vulkan:
            # Only PySide6 builds with Vulkan have these (see HdrCanvas._start).
            instance = QtGui.QVulkanInstance()  # pyright: ignore[reportAttributeAccessIssue]
            if not instance.create():
                return DisplayOffer(platform, backend=name, note="no Vulkan instance")
            window.setVulkanInstance(instance)  # pyright: ignore[reportAttributeAccessIssue]
            params.inst, params.window = instance, window
            keep.append(instance)
        window.create()
        rhi = QtGui.QRhi.create(impl, params, QtGui.QRhi.Flag(0), None)
        if rhi is None:
            return DisplayOffer(platform, backend=name, note=f"{name} could not start")
        chain = rhi.newSwapChain()
        chain.setWindow(window)
        fmt = QtGui.QRhiSwapChain.Format
        formats = tuple(k for k, v in RHI_FORMATS.items() if chain.isFormatSupported(fmt[v]))
        headroom = _headroom(chain)
        del chain
        del rhi
        gc.collect()
        return DisplayOffer(platform, formats, headroom, name)
    finally:
        window.destroy()
        keep.clear()


def _headroom(chain) -> float | None:
    """The display's peak over SDR white from the swap chain's HDR information, where the
    bindings have it (PySide6 6.11 does not: None, and the choice assumes a headroom)."""
    info_of = getattr(chain, "hdrInfo", None)
    if info_of is None:
        return None
    info = info_of()
    limits = info.limits
    if info.limitsType == type(info).LimitsType.ColorComponentValue:
        return float(limits.colorComponentValue.maxColorComponentValue)
    white = float(getattr(info, "sdrWhiteLevel", 0.0) or 200.0)
    return float(limits.luminanceInNits.maxLuminance) / white


class _CanvasInput(QtCore.QObject):
    """The canvas' wheel and drags, handed to the viewer (one pan and zoom for both)."""

    wheel = QtCore.Signal(float, QtCore.QPointF)  # angle in degrees, position
    dragged = QtCore.Signal(QtCore.QPointF)  # movement since the last event, pixels


class HdrPresenter(QtCore.QObject):
    """Shows the result on an :class:`HdrCanvas` instead of the SDR view where the display
    state chose HDR and the view shows the result alone (Single view, result layer); keeps
    the canvas' picture, exposure and region in step; names the view in use in the status
    bar. ``backend``: the canvas' RHI backend ("null": none, for tests)."""

    def __init__(self, win, backend: str | None = None) -> None:
        from PySide6 import QtWidgets

        from hdr_studio.app.workers import LatestOnly

        super().__init__(win)
        self.win, self.state, self.viewer = win, win.state, win.viewer
        self.backend = backend
        self.canvas: HdrCanvas | None = None
        self.container = None
        self.input = _CanvasInput(self)
        self._watching = False
        self.label = QtWidgets.QLabel()
        win.statusBar().addPermanentWidget(self.label)
        self.worker = LatestOnly(self._apply, debounce_ms=30, parent=self)
        s = self.state
        s.display.subscribe(lambda _: self.sync())
        s.view.subscribe(lambda n: self.sync() if n in ("layer", "compare", "exposure") else None)
        s.document.subscribe(lambda n: self.sync() if n in ("result", "loading") else None)
        self.viewer.main.box.sigRangeChanged.connect(lambda *_: self._region())
        self.input.wheel.connect(self._wheel)
        self.input.dragged.connect(self._drag)
        self.sync()

    def probe(self) -> None:
        """Ask Qt what the window's screen offers (again when it moves to another)."""
        handle = self.win.windowHandle()
        if handle is not None and not self._watching:
            handle.screenChanged.connect(lambda _s: self.probe())
            self._watching = True
        self.state.display.offered(probe_display(self.win.screen()))

    def want(self, on: bool) -> None:
        """View ▸ HDR view where the display offers one (kept between sessions)."""
        self.state.display.want(on)
        self.win.settings.setValue("display/hdr", "true" if on else "false")

    def active(self) -> bool:
        s = self.state
        return (
            s.display.choice.hdr
            and s.document.result is not None
            and s.document.loading is None
            and s.view.compare == "none"
            and s.view.layer == "result"
        )

    def sync(self) -> None:
        from hdr_studio.app.widgets import set_tip

        choice = self.state.display.choice
        active = self.active()
        if choice.hdr and not active:
            self.label.setText("SDR view · HDR for the result alone")
        else:
            self.label.setText(choice.label)
        set_tip(
            self.label,
            choice.reason
            + (
                " The HDR view shows the result alone (Single view, result layer: Space); "
                "compare views are tone-mapped."
                if choice.hdr
                else ""
            ),
        )
        if not active:
            if self.container is not None:
                self.viewer.show_canvas(None)
            return
        if self.canvas is None or self.canvas.surface != choice.format:
            self._make_canvas(choice.format)
        self.viewer.show_canvas(self.container)
        self._request_pixels()
        self._region()

    def _make_canvas(self, surface: str) -> None:
        from PySide6 import QtWidgets

        if self.container is not None:
            self.viewer.show_canvas(None)
            self.container.deleteLater()
        self.canvas = HdrCanvas(surface, self.backend)
        self.canvas.input = self.input
        self.container = QtWidgets.QWidget.createWindowContainer(self.canvas, self.viewer)
        self.container.setMouseTracking(True)

    def _request_pixels(self) -> None:
        from hdr_studio.app.model import render

        doc, level = self.state.document, self.win.controller.level
        if doc.result is None or level is None or self.canvas is None:
            return
        result, factor, primaries = doc.result, level.factor, doc.image.primaries
        choice, exposure = self.state.display.choice, self.state.view.exposure
        platform = self.state.display.offer.platform if self.state.display.offer else ""

        def compute():
            reduced = render.reduce_mean(result, factor)
            return render.surface_pixels(
                reduced, primaries, choice.format, choice.headroom, exposure, platform
            )

        self.worker.request(compute)

    def _apply(self, pixels: np.ndarray) -> None:
        if self.canvas is not None and self.active():
            self.canvas.set_picture(pixels)

    def _region(self) -> None:
        if self.canvas is None or not self.viewer.shown_size[0]:
            return
        r = self.viewer.main.box.viewRect()
        h, w = self.viewer.shown_size
        self.canvas.set_region(r.left() / w, r.top() / h, r.right() / w, r.bottom() / h)

    def _wheel(self, degrees: float, pos: QtCore.QPointF) -> None:
        box = self.viewer.main.box
        centre = box.mapSceneToView(pos)
        s = 1.02 ** (-degrees / 8.0)
        box.scaleBy((s, s), centre)

    def _drag(self, delta: QtCore.QPointF) -> None:
        box = self.viewer.main.box
        r = box.viewRect()
        sx = r.width() / max(box.width(), 1.0)
        sy = r.height() / max(box.height(), 1.0)
        box.translateBy(x=-delta.x() * sx, y=-delta.y() * sy)

    def wait(self, msecs: int = -1) -> bool:
        return self.worker.wait(msecs)
