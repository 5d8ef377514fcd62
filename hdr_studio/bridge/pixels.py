"""What the bridge does with a layer's pixels: read a layer message within the limits, turn
its ``request`` into the engine's request, answer in the encoding the client asks (its own
ICC profile, another profile, a named space), and the two operations that answer at once:
the clipping analysis and the dialogs' live preview (on a reduced copy, kept for the next
preview of the same pixels)."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import replace

import numpy as np

from hdr_studio.api.errors import InputError
from hdr_studio.api.layers import (
    LayerFormat,
    decode_layer,
    encode_for_profile,
    encode_layer_array,
    encode_source,
    layer_format,
    space_name,
    split_selection,
)
from hdr_studio.api.parameters import from_json
from hdr_studio.api.request import ReconstructRequest
from hdr_studio.api.types import Image
from hdr_studio.bridge.client import parts, unpack
from hdr_studio.bridge.limits import Limits
from hdr_studio.bridge.queries import HttpError, choice, number, parameter_value

PREVIEW_SIZE = 640  # the long side of a preview, by default (pixels)
log = logging.getLogger(__name__)


class PixelWork:
    """The layer operations of one bridge, within its ``limits``."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._previews: dict[bytes, Image] = {}  # reduced copies by digest of the layer
        self._previews_lock = threading.Lock()

    # --- requests --------------------------------------------------------------------------
    def layer_request(self, body: bytes) -> tuple[dict, Image, np.ndarray | None, LayerFormat]:
        """(header, image, selection mask or None, the layer's format) of a layer message;
        400/413 when bad."""
        try:
            header, data = unpack(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(400, f"bad layer message: {exc}") from None
        try:
            fmt = layer_format(header)
        except InputError as exc:
            raise HttpError(400, str(exc)) from None
        if fmt.width * fmt.height > self.limits.max_pixels:
            raise HttpError(
                413,
                f"layer is {fmt.width}x{fmt.height}, above the limit of "
                f"{self.limits.max_pixels} pixels",
            )
        try:
            data, selection = split_selection(fmt, data, bool(header.get("selection")))
            image = decode_layer(fmt, data)
        except InputError as exc:
            raise HttpError(400, str(exc)) from None
        return header, image, selection, fmt

    @staticmethod
    def in_profile(rgb: np.ndarray, primaries: str, icc_b64: str) -> np.ndarray:
        """Linear ``rgb`` in ``primaries`` encoded for the ICC profile ``icc_b64``
        (:func:`hdr_studio.api.layers.encode_for_profile`); 400 when it is not usable."""
        try:
            return encode_for_profile(rgb, primaries, icc_b64)
        except ValueError as exc:
            raise HttpError(400, str(exc)) from None

    def reconstruct_request(
        self, header: dict, image: Image, selection: np.ndarray | None = None
    ) -> ReconstructRequest:
        """The job a layer message's ``request`` asks for: the fields of the request's
        parameter table that the bridge shows (:func:`hdr_studio.api.parameters.from_json`;
        no file paths), on the layer's pixels; 400 when one is wrong."""
        try:
            fields = from_json(header.get("request", {}), "bridge")
        except ValueError as exc:
            raise HttpError(400, str(exc)) from None
        return ReconstructRequest(
            input=image, max_pixels=self.limits.max_pixels, selection=selection, **fields
        )

    def layer_response(
        self,
        image: Image,
        rgb: np.ndarray,
        query: dict,
        extra: dict,
        source: LayerFormat | None = None,
    ) -> list:
        """``rgb`` (linear, the image's primaries) converted as the client asks;
        ``transfer=source`` with ``primaries=source`` is exactly the layer's own encoding
        ``source`` (its ICC profile through LittleCMS, its PQ with its white)."""
        from hdr_studio.api.display import PRIMARIES, convert_primaries

        sample = choice(query, "sample", ("f32", "f16", "u16", "u8"), "f32")
        order = choice(query, "order", ("RGBA", "BGRA", "RGB", "BGR"), "RGBA")
        is_float = sample.startswith("f")
        transfer = choice(
            query, "transfer", ("linear", "srgb", "source"), "linear" if is_float else "srgb"
        )
        primaries = choice(query, "primaries", ("source", *PRIMARIES), "source")
        alpha = image.alpha if len(order) == 4 else None

        def answer(code: np.ndarray, colorspace: dict, transfer: str) -> list:
            header = {
                "width": image.width,
                "height": image.height,
                "channels": len(order),
                "sample": sample,
                "order": order,
                "colorspace": colorspace,
                **extra,
            }
            return parts(header, encode_layer_array(code, alpha, sample, order, transfer))

        if query.get("icc"):  # exactly this ICC profile's encoding (e.g. a linear twin)
            code = self.in_profile(rgb, image.primaries, query["icc"])
            return answer(code, {"icc": query["icc"]}, "linear")
        own = source is not None and (source.profile is not None or source.transfer == "pq")
        if transfer == "source" and own:
            assert source is not None
            if primaries != "source":
                raise HttpError(400, "transfer=source keeps the layer's profile: primaries=source")
            colorspace = {"source": True, "description": source.description}
            return answer(encode_source(rgb, source), colorspace, "linear")
        if primaries not in ("source", image.primaries):
            rgb = convert_primaries(rgb, image.primaries, primaries)
        else:
            primaries = image.primaries
        if transfer == "source":
            transfer = image.transfer
        return answer(rgb, space_name(primaries, transfer), transfer)

    def analyse(self, body: bytes, query: dict) -> list:
        from hdr_studio.api.analysis import analyse

        _, image, selection, _ = self.layer_request(body)
        over = parameter_value(query, "over")
        under = parameter_value(query, "under")
        mode = parameter_value(query, "mode")
        try:
            analysis = analyse(image, over, under)
        except ValueError as exc:
            raise HttpError(400, str(exc)) from None
        overlay = analysis.overlay(mode)
        sample = choice(query, "sample", ("u8", "u16", "f16", "f32"), "u8")
        order = choice(query, "order", ("RGBA", "BGRA"), "RGBA")
        rgba = overlay.astype(np.float32) * np.float32(1 / 255)
        if selection is not None:  # as a host's filter does: the overlay within the selection
            rgba[..., 3] *= selection
        data = encode_layer_array(rgba[..., :3], rgba[..., 3], sample, order, "linear")
        header = {
            "width": image.width,
            "height": image.height,
            "channels": 4,
            "sample": sample,
            "order": order,
            "stats": analysis.stats.to_dict(),
            "mode": mode,
        }
        return parts(header, data)

    def reduced(self, body: bytes, size: int) -> tuple[dict, Image]:
        """(header, a copy of the layer with its long side at most ``size``), averaged over
        blocks of the layer's own samples (a clipped area stays at its code value) and kept
        for the next preview of the same pixels (a dialog asks again for every change)."""
        import cv2

        from hdr_studio.api.layers import SAMPLES

        try:
            header, data = unpack(body)
            fmt = layer_format(header)
        except (ValueError, UnicodeDecodeError, InputError) as exc:
            raise HttpError(400, f"bad layer message: {exc}") from None
        if fmt.width * fmt.height > self.limits.max_pixels:
            raise HttpError(413, f"layer is above the limit of {self.limits.max_pixels} pixels")
        try:
            pixels, _ = split_selection(fmt, data, bool(header.get("selection")))
        except InputError as exc:
            raise HttpError(400, str(exc)) from None
        if len(pixels) != fmt.nbytes:
            raise HttpError(400, f"body has {len(pixels)} pixel bytes, expected {fmt.nbytes}")
        digest = hashlib.blake2b(pixels, digest_size=16)
        described = (fmt.width, fmt.height, fmt.channels, fmt.sample, fmt.order, fmt.white_nits)
        digest.update(json.dumps([described, size, header.get("colorspace")]).encode())
        key = digest.digest()
        with self._previews_lock:
            image = self._previews.get(key)
        if image is not None:
            return header, image
        raw = np.frombuffer(pixels, SAMPLES[fmt.sample]).reshape(fmt.height, fmt.width, -1)
        step = -(-max(fmt.width, fmt.height) // size)
        if step > 1:
            w, h = max(1, fmt.width // step), max(1, fmt.height // step)
            work = raw.astype(np.float32) if fmt.sample == "f16" else raw
            small = cv2.resize(work, (w, h), interpolation=cv2.INTER_AREA).reshape(h, w, -1)
            raw = small.astype(raw.dtype)
            fmt = replace(fmt, width=w, height=h)
        try:
            image = decode_layer(fmt, np.ascontiguousarray(raw).tobytes())
        except InputError as exc:
            raise HttpError(400, str(exc)) from None
        with self._previews_lock:
            if len(self._previews) >= 4:
                self._previews.pop(next(iter(self._previews)))
            self._previews[key] = image
        return header, image

    def preview(self, body: bytes, query: dict) -> list:
        """The dialog's live preview: the request run at once on a reduced copy, as display
        pixels (sRGB u8; an HDR result tone-mapped so recovered highlights show), with the
        clipping overlay on top when asked."""
        from hdr_studio.api.analysis import overlay_of
        from hdr_studio.api.display import (
            convert_primaries,
            srgb_encode,
            to_display_uint8,
            tonemap_to_sdr,
        )
        from hdr_studio.api.engine import reconstruct

        t0 = time.perf_counter()
        size = int(number(query, "size", PREVIEW_SIZE, 16, 4096))
        overlay = choice(query, "overlay", ("true", "false"), "false") == "true"
        mode = parameter_value(query, "mode")
        order = choice(query, "order", ("RGBA", "BGRA"), "RGBA")
        choice(query, "sample", ("u8",), "u8")
        header, image = self.reduced(body, size)
        request = self.reconstruct_request(header, image)
        outcome = reconstruct(request)
        rgb = outcome.pixels
        if image.primaries != "rec709":
            rgb = convert_primaries(rgb, image.primaries, "rec709")
        rgb = np.maximum(rgb, 0.0)
        code = tonemap_to_sdr(rgb) if outcome.kind.value == "hdr" else srgb_encode(rgb)
        shown = to_display_uint8(code)
        if overlay:
            marks = overlay_of(image, mode=mode, over=request.over)
            alpha = marks[..., 3:4].astype(np.float32) * np.float32(0.6 / 255)
            mixed = shown * (1 - alpha) + marks[..., :3] * alpha
            shown = np.rint(mixed).astype(np.uint8)
        rgba = np.empty((image.height, image.width, 4), np.uint8)
        rgba[..., :3] = shown[..., ::-1] if order == "BGRA" else shown
        rgba[..., 3] = 255
        took = time.perf_counter() - t0
        log.info("preview %dx%d (%s) in %.2f s", image.width, image.height, outcome.method, took)
        head = {
            "width": image.width,
            "height": image.height,
            "channels": 4,
            "sample": "u8",
            "order": order,
            "colorspace": {"name": "srgb"},
            "method": outcome.method,
            "kind": outcome.kind.value,
            "seconds": round(took, 4),
        }
        return parts(head, rgba)
