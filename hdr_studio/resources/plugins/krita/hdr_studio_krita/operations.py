"""What the Krita actions do, without any dialog: read the active layer at its depth with its
profile, ask the bridge, and put the answer into Krita (a new layer, or a new linear float
document for an HDR result). Krita + the standard library only (the tests call these
functions in a real Krita through ``kritarunner``)."""

import contextlib

from krita import Krita

from . import hdr_studio_client as bridge

#: Krita depth → (sample type, channel order): Krita's integer layers are BGRA.
DEPTHS = {
    "U8": ("u8", "BGRA"),
    "U16": ("u16", "BGRA"),
    "F16": ("f16", "RGBA"),
    "F32": ("f32", "RGBA"),
}
#: Linear profiles Krita ships, for HDR results: source primaries → (profile, primaries asked).
LINEAR_PROFILES = {"rec709": "sRGB-elle-V2-g10.icc", "rec2020": "Rec2020-elle-V4-g10.icc"}


class PluginError(Exception):
    """A one-line problem to show to the user."""


def is_linear(profile):
    name = profile.lower()
    return "g10" in name or "linear" in name


def read_layer(doc, node=None):
    """(node, layer header, pixel bytes) of the active layer over the whole canvas."""
    node = node or doc.activeNode()
    if node is None:  # no view (a script): the top layer
        layers = [n for n in doc.topLevelNodes() if n.type() == "paintlayer"]
        if not layers:
            raise PluginError("no active layer")
        node = layers[-1]
    if node.colorModel() != "RGBA":
        raise PluginError(
            f"the layer is {node.colorModel()}; HDR Studio needs an RGB layer "
            "(Image ▸ Convert Image Color Space)"
        )
    if node.colorDepth() not in DEPTHS:
        raise PluginError(f"unsupported layer depth {node.colorDepth()}")
    sample, order = DEPTHS[node.colorDepth()]
    w, h = doc.width(), doc.height()
    header = {
        "width": w,
        "height": h,
        "channels": 4,
        "sample": sample,
        "order": order,
        "colorspace": {"name": node.colorProfile()},
    }
    return node, header, bytes(node.pixelData(0, 0, w, h))


def with_selection(doc, header, data):
    """Add the document's selection (one byte per pixel) to a layer message, if there is one."""
    selection = doc.selection()
    if selection is None or selection.width() <= 0 or selection.height() <= 0:
        return header, data  # nothing selected (an empty selection is no selection)
    mask = bytes(selection.pixelData(0, 0, doc.width(), doc.height()))
    return dict(header, selection=True), data + mask


def add_layer(doc, above, name, data):
    """A new paint layer named ``name`` above ``above`` holding ``data`` (the document's depth)."""
    layer = doc.createNode(name, "paintlayer")
    parent = above.parentNode() if above is not None else doc.rootNode()
    parent.addChildNode(layer, above)
    layer.setPixelData(bytes(data), 0, 0, doc.width(), doc.height())
    doc.setActiveNode(layer)
    doc.refreshProjection()
    return layer


def clipping_overlay(client, header, data, mode="all", over=250 / 255, under=4 / 255):
    """(statistics, overlay pixels in the layer's own depth and order) from the bridge."""
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


def show_clipping(doc, client, mode="all", over=250 / 255, under=4 / 255, node=None):
    """A layer with the red (over) / green (under) overlay of the active layer; returns
    (layer, clipping statistics)."""
    node, header, data = read_layer(doc, node)
    stats, overlay = clipping_overlay(client, header, data, mode, over, under)
    layer = add_layer(doc, node, "Clipping (HDR Studio)", overlay)
    return layer, stats


def place_result(doc, node, header, fetch, name, kind, primaries):
    """Put a result into Krita. ``fetch(**conversion)`` gets the pixels from the bridge.

    HDR: a new layer when the document is already linear float, else a new 32-bit float
    document with a linear profile Krita ships. SDR: a new layer in this document."""
    if kind == "sdr" or (header["sample"] in ("f16", "f32") and is_linear(node.colorProfile())):
        transfer = "source" if kind == "sdr" else "linear"
        _, pixels = fetch(sample=header["sample"], order=header["order"], transfer=transfer)
        return doc, add_layer(doc, node, name, pixels)
    primaries = "rec709" if primaries == "rec709" else "rec2020"  # wider gamuts: Rec.2020
    _, pixels = fetch(sample="f32", order="RGBA", transfer="linear", primaries=primaries)
    app = Krita.instance()
    title = f"{doc.name() or 'Untitled'} (HDR)"
    new = app.createDocument(
        doc.width(),
        doc.height(),
        title,
        "RGBA",
        "F32",
        LINEAR_PROFILES[primaries],
        doc.resolution(),
    )
    new.setBatchmode(doc.batchmode())
    layer = add_layer(new, None, name, pixels)
    for other in new.topLevelNodes():
        if other.name() != layer.name():
            other.remove()
    window = app.activeWindow()
    if window is not None and not doc.batchmode():
        window.addView(new)
    new.refreshProjection()
    return new, layer


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
):
    """Reconstruct the active layer; returns (document holding the result, layer, job status).
    ``passes`` 3 averages the network's results on the layer and its mirror images."""
    node, header, data = read_layer(doc, node)
    message, payload = with_selection(doc, header, data)
    request = {"result": result, "options": dict(options or {}), "strength": strength}
    if passes != 1:
        request["passes"] = passes
    if method:
        request["method"] = method
    job_id = client.submit(message, payload, request)
    try:
        status = client.wait(job_id, progress, cancelled)
        if status["state"] != "done":
            raise PluginError(status.get("error") or f"reconstruction {status['state']}")
        name = f"HDR Studio – {status.get('method', method or 'default')}"

        def fetch(**conversion):
            return client.result(job_id, **conversion)

        target, layer = place_result(
            doc, node, header, fetch, name, status["kind"], status["primaries"]
        )
    finally:
        client.cancel(job_id)  # frees the result on the bridge
    return target, layer, status


def open_in_app(doc, client, progress=None, cancelled=None, node=None):
    """Send the active layer to the HDR Studio app and wait for **Send back**; returns
    (document, layer) with the result, or (None, None) when the app was closed without it
    (the document is left untouched)."""
    node, header, data = read_layer(doc, node)
    session = client.open_in_app(header, data, node.name())
    status = client.wait(session, progress, cancelled, prefix="/v1/sessions/", poll=0.3)
    if status["state"] != "returned":
        return None, None

    def fetch(**conversion):
        return client.session_result(session, **conversion)

    try:
        return place_result(
            doc, node, header, fetch, status["result_name"], status["kind"], status["primaries"]
        )
    finally:
        with contextlib.suppress(bridge.BridgeError):
            client.request("DELETE", "/v1/sessions/" + session)
