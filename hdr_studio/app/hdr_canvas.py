"""The HDR view's window: a swap chain of Qt's RHI in an HDR format (scRGB, extended linear
Display P3 or HDR10 — or SDR, where it is checked on this machine's OpenGL) showing a
picture whose values were made for that surface
(:func:`hdr_studio.app.model.render.surface_pixels`), and the part of it the viewer's pan
and zoom ask for. Its shaders are baked in ``hdr_studio/resources/shaders``."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui

#: The RHI swap-chain formats by the model's names.
RHI_FORMATS = {
    "scrgb": "HDRExtendedSrgbLinear",
    "p3-linear": "HDRExtendedDisplayP3Linear",
    "hdr10": "HDR10",
}


def backend_for(platform: str):
    """(name, RHI implementation, init-params class or None, surface type) for ``platform``."""
    rhi, surface = QtGui.QRhi.Implementation, QtGui.QSurface.SurfaceType
    if platform == "windows":
        return (
            "Direct3D 11",
            rhi.D3D11,
            getattr(QtGui, "QRhiD3D11InitParams", None),
            (surface.Direct3DSurface),
        )
    if platform == "cocoa":
        return "Metal", rhi.Metal, getattr(QtGui, "QRhiMetalInitParams", None), surface.MetalSurface
    if platform == "wayland" and hasattr(QtGui, "QRhiVulkanInitParams"):
        # Only PySide6 builds with Vulkan have it, and the stubs of one without it lack it.
        vulkan = QtGui.QRhiVulkanInitParams  # pyright: ignore[reportAttributeAccessIssue]
        return "Vulkan", rhi.Vulkan, vulkan, surface.VulkanSurface
    return "OpenGL", rhi.OpenGLES2, QtGui.QRhiGles2InitParams, surface.OpenGLSurface


def _shader(name: str) -> QtGui.QShader:
    from hdr_studio.api.resources import package_resource

    return QtGui.QShader.fromSerialized(package_resource("shaders", name).read_bytes())


class HdrCanvas(QtGui.QWindow):
    """A window of its own that presents a picture on a swap chain of ``surface``'s format
    ("scrgb", "p3-linear", "hdr10"; "sdr" for an SDR surface): the values given are put on
    the screen as they are, so a result's light above SDR white stays light. Shows the part
    ``region`` (x0, y0, x1, y1 in 0…1 of the picture) asks for; the viewer keeps it in step
    with its own pan and zoom. ``backend``: ``"null"`` for Qt's null RHI (no screen)."""

    def __init__(self, surface: str, backend: str | None = None) -> None:
        super().__init__()
        platform = QtGui.QGuiApplication.platformName()
        if backend == "null":
            self._api = ("Null", QtGui.QRhi.Implementation.Null, QtGui.QRhiNullInitParams, None)
        else:
            self._api = backend_for(platform)
        if self._api[3] is not None:
            self.setSurfaceType(self._api[3])
        self.surface = surface
        self.rhi: QtGui.QRhi | None = None
        self.frames = 0  # frames presented (tests)
        self._picture: np.ndarray | None = None
        self._uploaded = True
        self._region = (0.0, 0.0, 1.0, 1.0)
        self._background = (38 / 255, 38 / 255, 38 / 255, 1.0)
        self._keep: list = []
        # Wheel and drags go to the viewer through this (hdr_view's _CanvasInput, whose
        # module imports this one; it has the signals wheel and dragged).
        self.input: Any = None
        self._last: QtCore.QPointF | None = None

    # --- what it shows -------------------------------------------------------------------
    def set_picture(self, rgba: np.ndarray) -> None:
        """(H, W, 4) float32 surface values (:func:`hdr_studio.app.model.render.surface_pixels`)."""
        self._picture = np.ascontiguousarray(rgba, dtype=np.float32)
        self._uploaded = False
        self.requestUpdate()

    def set_region(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self._region = (float(x0), float(y0), float(x1), float(y1))
        self.requestUpdate()

    # --- Qt --------------------------------------------------------------------------------
    def wheelEvent(self, event) -> None:
        if self.input is not None:
            self.input.wheel.emit(event.angleDelta().y() / 8.0, event.position())

    def mousePressEvent(self, event) -> None:
        self._last = event.position()

    def mouseMoveEvent(self, event) -> None:
        if self._last is not None and self.input is not None:
            self.input.dragged.emit(event.position() - self._last)
            self._last = event.position()

    def mouseReleaseEvent(self, event) -> None:
        self._last = None

    def exposeEvent(self, event) -> None:
        if self.isExposed():
            if self.rhi is None:
                self._start()
            self._render()

    def event(self, event) -> bool:
        if event.type() == QtCore.QEvent.Type.UpdateRequest and self.rhi is not None:
            self._render()
            return True
        if event.type() == QtCore.QEvent.Type.PlatformSurface and (
            event.surfaceEventType()
            == QtGui.QPlatformSurfaceEvent.SurfaceEventType.SurfaceAboutToBeDestroyed
        ):
            self.release()
        return super().event(event)

    # --- the RHI -----------------------------------------------------------------------------
    def _start(self) -> None:
        name, impl, params_class, _surface = self._api
        if params_class is None:
            raise RuntimeError(f"this PySide6 has no {name} bindings")
        params: Any = params_class()  # each back end's own class (no common base)
        if impl == QtGui.QRhi.Implementation.OpenGLES2:
            params.fallbackSurface = QtGui.QRhiGles2InitParams.newFallbackSurface()
            params.window = self
            self._keep.append(params.fallbackSurface)
        elif impl == QtGui.QRhi.Implementation.Vulkan:
            # Only PySide6 builds with Vulkan have these (backend_for chose Vulkan because
            # QRhiVulkanInitParams is there); the stubs of a build without it lack them.
            instance = QtGui.QVulkanInstance()  # pyright: ignore[reportAttributeAccessIssue]
            instance.create()
            self.setVulkanInstance(instance)  # pyright: ignore[reportAttributeAccessIssue]
            params.inst, params.window = instance, self
            self._keep.append(instance)
        self._keep.append(params)
        rhi = QtGui.QRhi.create(impl, params, QtGui.QRhi.Flag(0), None)
        if rhi is None:
            raise RuntimeError(f"{name} could not start")
        self.rhi = rhi
        sc = rhi.newSwapChain()
        sc.setWindow(self)
        if self.surface != "sdr":
            sc.setFormat(QtGui.QRhiSwapChain.Format[RHI_FORMATS[self.surface]])
        self.rp = sc.newCompatibleRenderPassDescriptor()
        sc.setRenderPassDescriptor(self.rp)
        self.sc = sc
        self._sized = sc.createOrResize()
        corners = np.array([-1, -1, 1, -1, -1, 1, 1, 1], np.float32).tobytes()
        self.vbuf = rhi.newBuffer(
            QtGui.QRhiBuffer.Type.Immutable, QtGui.QRhiBuffer.UsageFlag.VertexBuffer, len(corners)
        )
        self.vbuf.create()
        self.ubuf = rhi.newBuffer(
            QtGui.QRhiBuffer.Type.Dynamic, QtGui.QRhiBuffer.UsageFlag.UniformBuffer, 32
        )
        self.ubuf.create()
        self.sampler = rhi.newSampler(
            QtGui.QRhiSampler.Filter.Linear,
            QtGui.QRhiSampler.Filter.Linear,
            QtGui.QRhiSampler.Filter.None_,
            QtGui.QRhiSampler.AddressMode.ClampToEdge,
            QtGui.QRhiSampler.AddressMode.ClampToEdge,
        )
        self.sampler.create()
        self.texture = None
        self.srb = None
        self.pipeline = None
        self._corners = corners
        self._vertices_uploaded = False
        self._texture_for(1, 1)

    def _texture_for(self, w: int, h: int) -> None:
        """A texture of (w, h) and the bindings and pipeline that sample it."""
        rhi = self.rhi
        assert rhi is not None  # started
        tex = rhi.newTexture(QtGui.QRhiTexture.Format.RGBA32F, QtCore.QSize(w, h))
        tex.create()
        srb = rhi.newShaderResourceBindings()
        stages = QtGui.QRhiShaderResourceBinding.StageFlag
        srb.setBindings(
            [
                QtGui.QRhiShaderResourceBinding.uniformBuffer(
                    0, stages.VertexStage | stages.FragmentStage, self.ubuf
                ),
                QtGui.QRhiShaderResourceBinding.sampledTexture(
                    1, stages.FragmentStage, tex, self.sampler
                ),
            ]
        )
        srb.create()
        if self.pipeline is None:
            pipe = rhi.newGraphicsPipeline()
            pipe.setTopology(QtGui.QRhiGraphicsPipeline.Topology.TriangleStrip)
            pipe.setShaderStages(
                [
                    QtGui.QRhiShaderStage(
                        QtGui.QRhiShaderStage.Type.Vertex, _shader("picture.vert.qsb")
                    ),
                    QtGui.QRhiShaderStage(
                        QtGui.QRhiShaderStage.Type.Fragment, _shader("picture.frag.qsb")
                    ),
                ]
            )
            layout = QtGui.QRhiVertexInputLayout()
            layout.setBindings([QtGui.QRhiVertexInputBinding(8)])
            layout.setAttributes(
                [
                    QtGui.QRhiVertexInputAttribute(
                        0, 0, QtGui.QRhiVertexInputAttribute.Format.Float2, 0
                    )
                ]
            )
            pipe.setVertexInputLayout(layout)
            pipe.setShaderResourceBindings(srb)
            pipe.setRenderPassDescriptor(self.rp)
            if not pipe.create():
                raise RuntimeError("the HDR view's pipeline could not be built")
            self.pipeline = pipe
        self.texture, self.srb = tex, srb

    def _render(self) -> None:
        from shiboken6 import VoidPtr

        rhi, sc = self.rhi, self.sc
        assert rhi is not None  # event() renders only a started canvas
        if sc.currentPixelSize() != sc.surfacePixelSize() or not self._sized:
            self._sized = sc.createOrResize()
            if not self._sized:
                return
        if rhi.beginFrame(sc) != QtGui.QRhi.FrameOpResult.FrameOpSuccess:
            return
        updates = rhi.nextResourceUpdateBatch()
        if not self._vertices_uploaded:
            # The stubs say the data is an int and a VoidPtr takes one argument; the
            # bindings take a VoidPtr of (bytes, size), as here.
            corners = VoidPtr(self._corners, len(self._corners))  # pyright: ignore[reportCallIssue]
            updates.uploadStaticBuffer(self.vbuf, corners)  # pyright: ignore[reportCallIssue, reportArgumentType]
            self._vertices_uploaded = True
        if not self._uploaded and self._picture is not None:
            h, w = self._picture.shape[:2]
            if self.texture is None or self.texture.pixelSize() != QtCore.QSize(w, h):
                self._texture_for(w, h)
            assert self.texture is not None
            sub = QtGui.QRhiTextureSubresourceUploadDescription(
                QtCore.QByteArray(self._picture.tobytes())  # a copy Qt owns
            )
            entry = QtGui.QRhiTextureUploadEntry(0, 0, sub)
            updates.uploadTexture(self.texture, QtGui.QRhiTextureUploadDescription(entry))
            self._uploaded = True
        view = np.array([*self._region, *self._background], np.float32).tobytes()
        data = VoidPtr(view, len(view))  # pyright: ignore[reportCallIssue]
        updates.updateDynamicBuffer(self.ubuf, 0, len(view), data)  # pyright: ignore[reportArgumentType]
        cb = sc.currentFrameCommandBuffer()
        size = sc.currentPixelSize()
        cb.beginPass(
            sc.currentFrameRenderTarget(),
            QtGui.QColor.fromRgbF(*self._background),
            QtGui.QRhiDepthStencilClearValue(1.0, 0),
            updates,
        )
        assert self.pipeline is not None  # built with the first texture
        cb.setGraphicsPipeline(self.pipeline)
        cb.setViewport(QtGui.QRhiViewport(0, 0, size.width(), size.height()))
        cb.setShaderResources(self.srb)
        cb.setVertexInput(0, [(self.vbuf, 0)])
        cb.draw(4)
        cb.endPass()
        rhi.endFrame(sc)
        self.frames += 1

    def release(self) -> None:
        """Free the RHI's resources (before the window's surface goes)."""
        if self.rhi is None:
            return
        for name in ("pipeline", "srb", "texture", "sampler", "ubuf", "vbuf", "rp", "sc"):
            obj = getattr(self, name, None)
            if obj is not None:
                obj.destroy() if hasattr(obj, "destroy") else None
                setattr(self, name, None)
        self.rhi = None
        gc.collect()
