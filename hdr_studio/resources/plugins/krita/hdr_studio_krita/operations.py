"""What the Krita actions do, without any dialog: read the layer at its depth with the
document's ICC profile, ask the bridge, and put the answer into Krita (a new layer in the
document's own colour space, or a new linear float document for an HDR result of an
integer document). Krita + the standard library only (the tests call these functions in a
real Krita through ``kritarunner``). Everything here touches Krita's document API: call it
on Krita's GUI thread; only the ``client`` calls may run on another thread."""

import base64
import contextlib
import os
import shutil
import struct
import tempfile
import zlib

from krita import InfoObject, Krita

from . import hdr_studio_client as bridge

#: Krita depth → (sample type, channel order): Krita's integer layers are BGRA.
DEPTHS = {
    "U8": ("u8", "BGRA"),
    "U16": ("u16", "BGRA"),
    "F16": ("f16", "RGBA"),
    "F32": ("f32", "RGBA"),
}
#: Depths of a new HDR document: 16-bit float by default, as Krita advises for HDR work
#: (half the memory of 32-bit; as precise as the EXR it saves). Krita filled a 12 MP F16
#: layer in 0.1 s every time, an F32 one in 0.2 s at first and 1.3–2.5 s after a few
#: documents (bench/RESULTS.md). A result above half's range (65504) always gets F32.
HDR_DEPTHS = {"F16": "f16", "F32": "f32"}
HDR_DEPTH = "F16"
HALF_MAX = 65504.0
#: Linear profiles Krita ships, for HDR results of integer documents, by working primaries.
LINEAR_PROFILES = {"rec709": "sRGB-elle-V2-g10.icc", "rec2020": "Rec2020-elle-V4-g10.icc"}
#: Where SDR white sits in Krita's HDR canvases (scene-linear 1.0 and PQ): 80 cd/m².
KRITA_WHITE_NITS = 80.0
OVERLAY = "HDR Studio: Clipping"
#: The one layer of a new HDR document: the name Krita gives a plain EXR's layer, which its
#: EXR export writes as plain R, G, B, A channels (any other name prefixes the channels).
HDR_LAYER = "HDR Layer"
_ICC = {}  # profile name → ICC bytes (or None when Krita would not give them)


class PluginError(Exception):
    """A one-line problem to show to the user."""


def layer_name(label, strength=1.0):
    """The one name every HDR Studio result layer gets (actions and the round trip)."""
    return bridge.layer_name(label, strength)


def is_pq(profile):
    return "2084" in profile or " PQ" in profile


def is_hdr_canvas(node):
    """A float canvas, or a PQ one: it holds HDR values, so results land in it."""
    return node.colorDepth() in ("F16", "F32") or is_pq(node.colorProfile())


def _png_icc(path):
    """The ICC profile a PNG file embeds (its iCCP chunk), or None."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 8
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"iCCP":
            chunk = data[pos + 8 : pos + 8 + n]
            return zlib.decompress(chunk.split(b"\0", 1)[1][1:])
        if kind == b"IEND":
            break
        pos += 12 + n
    return None


def profile_icc(profile):
    """The ICC bytes of a Krita profile (by its name): Krita's scripting API names
    profiles but does not hand out their data, so a 1×1 document in that profile is
    exported as PNG (which embeds it) and the profile read back; kept per name."""
    if profile in _ICC:
        return _ICC[profile]
    icc, folder = None, tempfile.mkdtemp(prefix="hdr-studio-icc-")
    doc = Krita.instance().createDocument(1, 1, "hdr-studio-profile", "RGBA", "U16", profile, 72)
    try:
        if doc is not None and doc.colorProfile() == profile:
            doc.setBatchmode(True)
            info = InfoObject()
            info.setProperty("forceSRGB", False)
            info.setProperty("saveSRGBProfile", True)
            path = os.path.join(folder, "profile.png")
            if doc.exportImage(path, info):
                icc = _png_icc(path)
    finally:
        if doc is not None:
            doc.close()
        shutil.rmtree(folder, ignore_errors=True)
    _ICC[profile] = icc
    return icc


def source_layer(doc, node=None):
    """The layer an action works on: ``node``, else the active layer, else the top paint
    layer; an HDR Studio clipping overlay stands for the layer beneath it (the photo)."""
    node = node or doc.activeNode()
    if node is None:  # no view (a script): the top layer
        layers = [n for n in doc.topLevelNodes() if n.type() == "paintlayer"]
        if not layers:
            raise PluginError("no active layer")
        node = layers[-1]
    if node.name().startswith(OVERLAY):
        siblings = node.parentNode().childNodes()
        below = [
            n
            for n in siblings[: siblings.index(node)]
            if n.type() == "paintlayer" and not n.name().startswith(OVERLAY)
        ]
        if not below:
            raise PluginError("the active layer is a clipping overlay with no layer below it")
        node = below[-1]
    return node


#: What a user calls the layers and masks that have no pixels of their own to work on.
NOT_PAINT = {
    "grouplayer": "a group layer",
    "vectorlayer": "a vector layer",
    "filllayer": "a fill layer",
    "filelayer": "a file layer",
    "filterlayer": "a filter layer",
    "clonelayer": "a clone layer",
    "transparencymask": "a transparency mask",
    "filtermask": "a filter mask",
    "transformmask": "a transform mask",
    "selectionmask": "a local selection",
    "colorizemask": "a colorize mask",
}
SAMPLE_BYTES = {"u8": 1, "u16": 2, "f16": 2, "f32": 4}


def check_paint_layer(node):
    """A layer HDR Studio can read: a paint layer. A group, vector or fill layer or a mask
    gave a protocol error ("body has 0 pixel bytes"); it is named, with what to do."""
    kind = node.type()
    if kind == "paintlayer":
        return
    what = NOT_PAINT.get(kind, f"a {kind}")
    if kind.endswith("mask"):
        raise PluginError(f"the active layer is {what}: select the layer it belongs to")
    raise PluginError(
        f"the active layer is {what}: HDR Studio works on a paint layer's pixels (select "
        "one, or Layer ▸ Convert ▸ Convert to Paint Layer)"
    )


def read_layer(doc, node=None):
    """(node, layer header, pixel bytes) of the source layer over the whole canvas, with
    the document's ICC profile."""
    node = source_layer(doc, node)
    check_paint_layer(node)
    if node.colorModel() != "RGBA":
        raise PluginError(
            f"the layer is {node.colorModel()}; HDR Studio needs an RGB layer "
            "(Image ▸ Convert Image Color Space…)"
        )
    if node.colorDepth() not in DEPTHS:
        raise PluginError(f"unsupported layer depth {node.colorDepth()}")
    sample, order = DEPTHS[node.colorDepth()]
    w, h = doc.width(), doc.height()
    profile = node.colorProfile()
    icc = profile_icc(profile)
    space = {"icc": base64.b64encode(icc).decode("ascii")} if icc else {"name": profile}
    header = {
        "width": w,
        "height": h,
        "channels": 4,
        "sample": sample,
        "order": order,
        "colorspace": dict(space, white_nits=KRITA_WHITE_NITS),
        "host": "krita",
    }
    data = bytes(node.pixelData(0, 0, w, h))
    if len(data) != w * h * 4 * SAMPLE_BYTES[sample]:
        raise PluginError(f"Krita gave {len(data)} bytes of the layer's pixels, not {w}×{h}×4")
    return node, header, data


def with_selection(doc, header, data):
    """Add the document's selection (one byte per pixel) to a layer message, if there is one."""
    selection = doc.selection()
    if selection is None or selection.width() <= 0 or selection.height() <= 0:
        return header, data  # nothing selected (an empty selection is no selection)
    mask = bytes(selection.pixelData(0, 0, doc.width(), doc.height()))
    return dict(header, selection=True), data + mask


def as_bytes(data):
    """Pixels as Krita's ``setPixelData`` takes them: bytes or a bytearray as they are (the
    client reads results as bytes), anything else copied once."""
    return data if isinstance(data, (bytes, bytearray)) else bytes(data)


def add_layer(doc, above, name, data, activate=True, refresh=True, like=None):
    """A new paint layer named ``name`` above ``above`` holding ``data`` in the colour space
    of layer ``like`` (default: the document's); active unless ``activate`` is false; the
    projection is recomputed unless ``refresh`` is false (the caller does it once, after
    more changes)."""
    layer = doc.createNode(name, "paintlayer")
    parent = above.parentNode() if above is not None else doc.rootNode()
    parent.addChildNode(layer, above)
    if like is not None:  # a layer converted on its own (Layer ▸ Convert ▸ Layer Color Space)
        space = (like.colorModel(), like.colorDepth(), like.colorProfile())
        if space != (layer.colorModel(), layer.colorDepth(), layer.colorProfile()):
            layer.setColorSpace(*space)
    layer.setPixelData(as_bytes(data), 0, 0, doc.width(), doc.height())
    if activate:
        doc.setActiveNode(layer)
    if refresh:
        doc.refreshProjection()
    return layer


def fill_first_layer(doc, name, data):
    """The new document's own first layer, named ``name``, holding ``data`` over the whole
    canvas; any other layer removed. Krita fills the layer a new document is made with in
    0.2 s for 12 MP float, steadily; a layer added beside it took 0.4–1.2 s on the same
    machine (bench/RESULTS.md)."""
    nodes = doc.topLevelNodes()
    if not nodes or nodes[0].type() != "paintlayer":
        layer = add_layer(doc, None, name, data, refresh=False)
    else:
        layer = nodes[0]
        layer.setName(name)
        layer.setPixelData(as_bytes(data), 0, 0, doc.width(), doc.height())
        doc.setActiveNode(layer)
    for other in doc.topLevelNodes():
        if other.name() != layer.name():
            other.remove()
    return layer


def clipping_overlay(client, header, data, mode="all", over=250 / 255, under=4 / 255):
    """(statistics, overlay pixels in the layer's own depth and order) from the bridge; a
    message with a selection (:func:`with_selection`) gets an overlay within it (the
    statistics are the layer's)."""
    if not under < over:
        raise PluginError("the under-exposure threshold must be below the over-exposure one")
    info, overlay = client.analyse(
        header,
        data,
        mode=mode,
        over=over,
        under=under,
        sample=header["sample"],
        order=header["order"],
    )
    return info["stats"], overlay


def overlay_above(node):
    """The clipping overlay directly above ``node`` in its own colour space (an earlier
    Show clipping's), or None."""
    siblings = node.parentNode().childNodes()  # bottom to top
    index = siblings.index(node)
    if index + 1 >= len(siblings):
        return None
    above = siblings[index + 1]
    space = (node.colorModel(), node.colorDepth(), node.colorProfile())
    if (
        above.name() == OVERLAY
        and above.type() == "paintlayer"
        and (above.colorModel(), above.colorDepth(), above.colorProfile()) == space
    ):
        return above
    return None


def place_overlay(doc, node, overlay):
    """The overlay as a layer above ``node``, replacing the pixels of an earlier overlay
    there (Show clipping run again with other thresholds); ``node`` stays the active
    layer, so the next action works on the photo, not on the overlay."""
    layer = overlay_above(node)
    if layer is not None:
        layer.setPixelData(as_bytes(overlay), 0, 0, doc.width(), doc.height())
        doc.refreshProjection()
    else:
        layer = add_layer(doc, node, OVERLAY, overlay, activate=False, like=node)
    with contextlib.suppress(Exception):
        doc.setActiveNode(node)
    return layer


def show_clipping(doc, client, mode="all", over=250 / 255, under=4 / 255, node=None):
    """A layer with the red (over) / green (under) overlay of the active layer; returns
    (layer, clipping statistics)."""
    node, header, data = read_layer(doc, node)
    header, data = with_selection(doc, header, data)  # marked within the selection only
    stats, overlay = clipping_overlay(client, header, data, mode, over, under)
    return place_overlay(doc, node, overlay), stats


def document_stem(doc):
    """The source's name for a new document: its file's name without extension."""
    name = os.path.splitext(os.path.basename(doc.fileName() or ""))[0]
    return name or doc.name() or "Untitled"


def free_name(folder, stem, ext=".kra", taken=()):
    """``folder/stem.kra``, or ``stem-2.kra``… when that file exists or is in ``taken``
    (the file names of open documents: two unsaved results of one photo got one name, and
    saving the second replaced the first)."""
    taken = {os.path.abspath(t) for t in taken if t}
    path, n = os.path.join(folder, stem + ext), 1
    while os.path.exists(path) or os.path.abspath(path) in taken:
        n += 1
        path = os.path.join(folder, f"{stem}-{n}{ext}")
    return path


def hdr_depth(asked, peak):
    """The depth of a new HDR document: ``asked`` (``F16`` or ``F32``; anything else the
    default), but F32 for a result whose ``peak`` half floats cannot hold."""
    depth = asked if asked in HDR_DEPTHS else HDR_DEPTH
    return "F32" if depth == "F16" and peak > HALF_MAX else depth


def place_result(doc, node, header, fetch, name, kind, primaries, depth=HDR_DEPTH, peak=0.0):
    """Put a result into Krita. ``fetch(**conversion)`` gets the pixels from the bridge.

    An SDR result, or any result for an HDR canvas (float or PQ): a new layer in this
    document, in its own colour space. An HDR result of an integer document: a new float
    document (``depth``, see :func:`hdr_depth`; ``peak`` is the result's largest value)
    named after the source and the result ("photo – HDR Studio: Masked features, 100 %"),
    with a linear profile Krita ships, its one layer Krita's "HDR Layer" (exported to EXR as
    channels R, G, B, A)."""
    if kind == "sdr" or is_hdr_canvas(node):
        conversion = dict(sample=header["sample"], order=header["order"])
        _, pixels = fetch(transfer="source", primaries="source", **conversion)
        layer = add_layer(doc, node, name, pixels, like=node, refresh=False)
        layer.setOpacity(node.opacity())  # in place of the layer: the picture composites as
        layer.setBlendingMode(node.blendingMode())  # before (a 50 % Multiply layer stays so)
        doc.refreshProjection()
        return doc, layer
    primaries = "rec709" if primaries == "rec709" else "rec2020"  # wider gamuts: Rec.2020
    depth = hdr_depth(depth, peak)
    _, pixels = fetch(
        sample=HDR_DEPTHS[depth], order="RGBA", transfer="linear", primaries=primaries
    )
    app = Krita.instance()
    new = app.createDocument(
        doc.width(),
        doc.height(),
        f"{document_stem(doc)} – {name}",
        "RGBA",
        depth,
        LINEAR_PROFILES[primaries],
        doc.resolution(),
    )
    new.setBatchmode(doc.batchmode())
    if doc.fileName():  # the tab shows the source's name; Save writes beside it, never over
        taken = [d.fileName() for d in app.documents()]  # the new one has none yet
        folder = os.path.dirname(doc.fileName())
        new.setFileName(free_name(folder, document_stem(doc) + "-hdr", taken=taken))
    layer = fill_first_layer(new, HDR_LAYER, pixels)
    new.setModified(True)  # not saved anywhere yet: Krita asks before closing it
    window = app.activeWindow()
    if window is not None and not doc.batchmode():
        window.addView(new)
    new.refreshProjection()
    return new, layer


def request_fields(method=None, result="hdr", options=None, strength=1.0, passes=1):
    request = {"result": result, "options": dict(options or {}), "strength": strength}
    if passes != 1:
        request["passes"] = passes
    if method:
        request["method"] = method
    return request


def finish_job(doc, node, header, client, job_id, status, strength=1.0, depth=HDR_DEPTH):
    """Place a finished job's result (on the GUI thread) and free it on the bridge;
    ``depth``: of a new HDR document (:func:`place_result`)."""
    try:
        if status["state"] != "done":
            raise PluginError(status.get("error") or f"reconstruction {status['state']}")

        def fetch(**conversion):
            return client.result(job_id, **conversion)

        name = layer_name(status.get("label") or status["method"], strength)
        target, layer = place_result(
            doc,
            node,
            header,
            fetch,
            name,
            status["kind"],
            status["primaries"],
            depth,
            status.get("peak", 0.0),
        )
    finally:
        with contextlib.suppress(bridge.BridgeError):
            client.cancel(job_id)  # frees the result on the bridge
    return target, layer


def reconstruct(
    doc,
    client,
    method=None,
    result="hdr",
    options=None,
    progress=None,
    cancelled=None,
    node=None,
    strength=1.0,
    passes=1,
    depth=HDR_DEPTH,
):
    """Reconstruct the active layer; returns (document holding the result, layer, job
    status), or (None, None, status) when cancelled (the document is left as it was).
    ``passes`` 3 averages the network's results on the layer and its mirror images;
    ``depth``: of a new HDR document (``F16`` or ``F32``)."""
    node, header, data = read_layer(doc, node)
    message, payload = with_selection(doc, header, data)
    request = request_fields(method, result, options, strength, passes)
    job_id = client.submit(message, payload, request)
    status = client.wait(job_id, progress, cancelled)
    if status["state"] == "cancelled":
        return None, None, status
    target, layer = finish_job(doc, node, header, client, job_id, status, strength, depth)
    return target, layer, status


def preview(client, header, data, request, size=480, overlay=False, mode="all"):
    """(width, height, RGBA u8 bytes) of the bridge's preview of ``request`` on a copy of
    the layer reduced to ``size`` pixels on its long side."""
    query = {"size": size, "overlay": "true" if overlay else "false", "mode": mode}
    _, _, body = client.request(
        "POST", "/v1/preview", bridge.parts(dict(header, request=request), data), query
    )
    head, pixels = bridge.unpack(body)
    return head["width"], head["height"], bytes(pixels), head


def open_in_app(doc, client, progress=None, cancelled=None, node=None, depth=HDR_DEPTH):
    """Send the active layer to the HDR Studio app and wait for **Send back**; returns
    (document, layer) with the result, or (None, None) when the app was closed without it
    (the document is left untouched). An app that could not start is a PluginError with
    its reason."""
    node, header, data = read_layer(doc, node)
    session = client.open_in_app(header, data, node.name())
    status = client.wait(session, progress, cancelled, prefix="/v1/sessions/", poll=0.3)
    return finish_session(doc, node, header, client, session, status, depth)


def finish_session(doc, node, header, client, session, status, depth=HDR_DEPTH):
    """Place a round trip's result (GUI thread); a failed app is an error with its reason."""
    try:
        if status["state"] == "failed":
            raise PluginError(status.get("message") or "HDR Studio could not start")
        if status["state"] != "returned":
            return None, None

        def fetch(**conversion):
            return client.session_result(session, **conversion)

        return place_result(
            doc,
            node,
            header,
            fetch,
            status["result_name"],
            status["kind"],
            status["primaries"],
            depth,
            status.get("peak", 0.0),
        )
    finally:
        with contextlib.suppress(bridge.BridgeError):
            client.request("DELETE", "/v1/sessions/" + session)
