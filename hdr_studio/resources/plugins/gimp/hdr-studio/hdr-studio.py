#!/usr/bin/env python3
"""HDR Studio for GIMP 3: Filters ▸ Enhance ▸ HDR Studio (show clipping, reconstruct
highlights, open in HDR Studio) on the active drawable and selection. The work happens in
HDR Studio's bridge; this plug-in uses only GIMP's Python (PyGObject) and the standard
library.

Colour by profile: a drawable is read in its own pixel format (the image's own code
values, not a conversion to sRGB) and sent with the image's ICC profile (its linear or
sRGB-curve variant for linear and perceptual precisions); results come back encoded for
that profile. Nothing in the image changes until a result is in hand: then one undo step
adds it (converting an integer image to linear float first for an HDR result: 16-bit half
float unless 32-bit is asked or a value exceeds half's 65504; asked before the work when
interactive), so cancelling GIMP's progress leaves the image as it was."""

import base64
import contextlib
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
gi.require_version("Babl", "0.1")
from gi.repository import Babl, Gegl, Gimp, GLib, GObject  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hdr_studio_client as bridge  # noqa: E402

MENU = "<Image>/Filters/Enhance/HDR Studio"
PROCS = {
    "plug-in-hdr-studio-show-clipping": (
        "Show clipping",
        "A layer with over-exposed pixels in red, under-exposed in green",
    ),
    "plug-in-hdr-studio-reconstruct": (
        "Reconstruct highlights…",
        "Rebuild clipped highlights with an HDR Studio method",
    ),
    "plug-in-hdr-studio-open-in-app": (
        "Open in HDR Studio",
        "Compare and reconstruct in the HDR Studio app, then send the result back",
    ),
}
#: babl component type → the protocol's sample type
SAMPLES = {"u8": "u8", "u16": "u16", "half": "f16", "float": "f32"}
#: babl component types the protocol has none for → the one they travel as
CARRIED_AS = {"u32": "u16", "double": "float"}
OVERLAY = "HDR Studio: Clipping"
#: The linear float precisions an integer image takes for an HDR result, and the default:
#: half holds every value up to 65504 (the default network's results stay far below) at
#: half the memory, and GIMP fills it several times faster than 32-bit float.
PRECISION_WORDS = {"half": "16-bit half", "float": "32-bit"}
HDR_PRECISIONS = tuple(PRECISION_WORDS)
HDR_PRECISION = "half"
HALF_MAX = 65504.0
PREVIEW_SIZE = 480


def _add_clipping_arguments(proc, flags):
    """Show clipping's settings: which pixels count, and the two thresholds."""
    modes = Gimp.Choice.new()
    modes.add("all", 0, "All three channels clipped (red over, green under)", "")
    modes.add("any", 1, "Any channel clipped (red over, green under)", "")
    modes.add("channel", 2, "Per channel (the colour of the channels that clipped)", "")
    proc.add_choice_argument("mode", "_Mode", "all, any or channel", modes, "all", flags)
    proc.add_double_argument(
        "over",
        "O_ver-exposed at",
        "code value (of 255) and above",
        1.0,
        255.0,
        250.0,
        flags,
    )
    proc.add_double_argument(
        "under",
        "_Under-exposed at",
        "code value (of 255) and below; must be below over-exposed",
        0.0,
        254.0,
        4.0,
        flags,
    )


def _add_reconstruct_arguments(proc, flags):
    """Reconstruct's settings: method, result, HDR depth, strength, mirror passes."""
    methods = Gimp.Choice.new()
    methods.add("default", 0, f"Default: {method_label('default')}", "")
    for i, m in enumerate(METHODS["methods"], 1):
        methods.add(m["name"], i, m["label"], m["kind"])
    proc.add_choice_argument("method", "_Method", "HDR Studio method", methods, "default", flags)
    results = Gimp.Choice.new()
    results.add("hdr", 0, "HDR (linear float, values above 1.0)", "")
    results.add("sdr", 1, "SDR (tone-mapped, at the image's precision)", "")
    proc.add_choice_argument("result", "Res_ult", "HDR or SDR result", results, "hdr", flags)
    precisions = Gimp.Choice.new()
    for i, (key, words) in enumerate(PRECISION_WORDS.items()):
        precisions.add(key, i, f"{words[0].upper()}{words[1:]} float", "")
    proc.add_choice_argument(
        "hdr-precision",
        "HDR _depth",
        "the linear float precision an integer image is converted to for an HDR "
        "result (32-bit where a value exceeds half's 65504)",
        precisions,
        HDR_PRECISION,
        flags,
    )
    proc.add_double_argument(
        "strength",
        "S_trength (%)",
        "how far beyond the measured pixels",
        0.0,
        150.0,
        100.0,
        flags,
    )
    proc.add_boolean_argument(
        "mirror-passes",
        "M_irror passes (3x the network)",
        "also run the network on the layer's mirror images and average the results",
        False,
        flags,
    )


class PluginError(Exception):
    pass


def _methods():
    """The method list ``hdr-studio plugins install`` wrote beside this file."""
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "methods.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"default": "the default network", "methods": []}


METHODS = _methods()


def _method(name):
    """The method list's entry for ``name`` ("default": the default network's)."""
    name = METHODS["default"] if name in ("default", "", None) else name
    return next((m for m in METHODS["methods"] if m["name"] == name), {"name": name})


def method_label(name):
    return _method(name).get("label", _method(name)["name"])


def sdr_only(name):
    """A method whose result is SDR only (DeclipNet): it cannot give an HDR layer."""
    return _method(name).get("kind") == "sdr"


def follow_method(config):
    """The dialog's Result follows the method: SDR for an SDR-only method (an HDR result,
    the default, failed after the image had been offered a conversion to float)."""
    if sdr_only(config.get_property("method")) and config.get_property("result") != "sdr":
        config.set_property("result", "sdr")


def native(drawable):
    """(sample, channels, trc, babl) of a drawable's pixels as they travel: trc ``'`` (the
    profile's curve), ``~`` (perceptual: the sRGB curve) or ``""`` (linear); ``babl``: the
    babl format name to read and write them in, None for the drawable's own. 32-bit
    integers and doubles, which the protocol has no sample type for, travel as 16-bit
    integers and 32-bit floats of the same curve and profile (GEGL converts): a double or
    32-bit integer image is then judged and reconstructed as a 16-bit or float one."""
    encoding = Babl.format_get_encoding(drawable.get_format())  # e.g. "R'G'B'A u8"
    components, _, kind = encoding.rpartition(" ")
    babl = None
    if kind in CARRIED_AS:
        kind = CARRIED_AS[kind]
        babl = Babl.get_name(Babl.format_with_space(f"{components} {kind}", drawable.get_format()))
    trc = "'" if "'" in components else ("~" if "~" in components else "")
    channels = 4 if components.rstrip("'~").endswith("A") else 3
    return SAMPLES[kind], channels, trc, babl


def profile_for(image, trc):
    """The ICC profile the drawable's samples are encoded for."""
    profile = image.get_effective_color_profile()
    if trc == "":
        profile = Gimp.ColorProfile.new_linear_from_color_profile(profile) or profile
    elif trc == "~":
        profile = Gimp.ColorProfile.new_srgb_trc_from_color_profile(profile) or profile
    return bytes(profile.get_icc_profile())


def b64(data):
    return base64.b64encode(data).decode("ascii")


def read_drawable(image, drawable, scale=1.0):
    """(layer header, pixel bytes) of a drawable in its own format with the image's
    profile; ``scale`` < 1 reads a reduced copy (the dialog's preview)."""
    w, h = drawable.get_width(), drawable.get_height()
    sample, channels, trc, babl = native(drawable)
    if scale < 1.0:
        w, h = max(1, int(w * scale)), max(1, int(h * scale))
    rect = Gegl.Rectangle.new(0, 0, w, h)
    data = drawable.get_buffer().get(rect, scale, babl, Gegl.AbyssPolicy.CLAMP)
    space = {"icc": b64(profile_for(image, trc))}
    header = {
        "width": w,
        "height": h,
        "channels": channels,
        "sample": sample,
        "order": "RGBA"[:channels],
        "colorspace": space,
        "host": "gimp",
    }
    return header, bytes(data)


def source_drawable(image, drawable):
    """The layer an action works on: the drawable, but an HDR Studio clipping overlay
    stands for the layer beneath it (the photo). A layer mask or a channel has no colour
    to work on: it is named (its one channel was sent as three, a protocol error)."""
    if drawable.is_layer_mask():
        raise PluginError(
            "the layer mask is active: click the layer's own thumbnail in the Layers dialog"
        )
    if not drawable.is_layer():
        raise PluginError("a channel is active: select a layer in the Layers dialog")
    if not drawable.get_name().startswith(OVERLAY):
        return drawable
    parent = drawable.get_parent()
    siblings = parent.get_children() if parent is not None else image.get_layers()
    index = [s.get_id() for s in siblings].index(drawable.get_id())
    for below in siblings[index + 1 :]:  # GIMP lists layers top to bottom
        if not below.get_name().startswith(OVERLAY):
            return below
    raise PluginError("the active layer is a clipping overlay with no layer below it")


def overlays_above(image, drawable):
    """The clipping overlays stacked directly above ``drawable`` (an earlier Show
    clipping's, replaced by the next one)."""
    parent = drawable.get_parent()
    siblings = parent.get_children() if parent is not None else image.get_layers()
    index = [s.get_id() for s in siblings].index(drawable.get_id())
    found = []
    for above in reversed(siblings[:index]):  # GIMP lists layers top to bottom
        if not above.get_name().startswith(OVERLAY):
            break
        found.append(above)
    return found


def with_selection(image, drawable, header, data):
    """Add the selection (one byte per drawable pixel) when there is one."""
    if Gimp.Selection.is_empty(image):
        return header, data
    _, ox, oy = drawable.get_offsets()
    rect = Gegl.Rectangle.new(ox, oy, header["width"], header["height"])
    mask = image.get_selection().get_buffer().get(rect, 1.0, "Y u8", Gegl.AbyssPolicy.NONE)
    return dict(header, selection=True), data + bytes(mask)


def new_layer(image, drawable, name):
    """A new RGBA layer above ``drawable`` (same size and offsets), not yet filled."""
    w, h = drawable.get_width(), drawable.get_height()
    layer = Gimp.Layer.new(
        image, name, w, h, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    parent = drawable.get_parent()
    image.insert_layer(layer, parent, image.get_item_position(drawable))
    _, ox, oy = drawable.get_offsets()
    layer.set_offsets(ox, oy)
    return layer


def fill(layer, data, encoding=None):
    """``data`` into the layer: in the layer's own format (babl's name for it carries the
    image's colour space, so nothing is converted), or in ``encoding`` (a babl format
    name, :func:`native`'s for a 32-bit integer or double layer), which GEGL converts to
    the layer's storage."""
    w, h = layer.get_width(), layer.get_height()
    buf = layer.get_buffer()
    name = encoding or Babl.get_name(layer.get_format())
    buf.set(Gegl.Rectangle.new(0, 0, w, h), name, bytes(data))
    buf.flush()
    layer.update(0, 0, w, h)


def wait(client, item, prefix, message):
    """Wait for a job or session with GIMP's progress bar. GIMP ends a plug-in whose
    progress is cancelled: the image is untouched until now, and the bridge cancels the
    job when this client stops asking about it."""
    Gimp.progress_set_text("HDR Studio: " + message)

    def progress(fraction, text):
        Gimp.progress_update(max(0.0, min(1.0, fraction)))
        if text:
            Gimp.progress_set_text("HDR Studio: " + text)

    return client.wait(item, progress, None, prefix=prefix, poll=0.2)


def is_integer(image):
    """An image an HDR result cannot go into as it is (8, 16 or 32-bit integers); a
    64-bit float one was taken for one and converted down to half floats."""
    return image.get_precision().value_nick.split("-")[0] in ("u8", "u16", "u32")


def hdr_precision(asked, peak):
    """The precision an integer image takes for an HDR result: ``asked`` ("half" or
    "float"; anything else the default), but 32-bit float for a result whose ``peak`` half
    floats cannot hold."""
    precision = asked if asked in HDR_PRECISIONS else HDR_PRECISION
    return "float" if precision == "half" and peak > HALF_MAX else precision


def in_background(call, **kwargs):
    """Run ``call(**kwargs)`` on a thread; the returned function waits for its value (or
    raises its error)."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(call, **kwargs)
    pool.shutdown(wait=False)  # the one thread ends with the call
    return future.result


def place_result(image, drawable, fetch, name, kind, precision=None, peak=0.0):
    """Add the result as a new layer in one undo step. An HDR result needs a float image:
    an integer one is converted to linear float first (the caller asked; ``precision`` and
    ``peak`` as :func:`hdr_precision` takes them)."""
    image.undo_group_start()
    try:
        converted = kind == "hdr" and is_integer(image)
        if converted:
            # the answer is fetched while GIMP converts: encoded for the linear variant of
            # the image's profile, which the converted layers carry
            half = hdr_precision(precision, peak) == "half"
            linear = Gimp.ColorProfile.new_linear_from_color_profile(
                image.get_effective_color_profile()
            )
            asked = {"sample": "f16" if half else "f32", "order": "RGBA"}
            if linear is not None:
                asked["icc"] = b64(bytes(linear.get_icc_profile()))
                answer = in_background(fetch, **asked)
            # through 32-bit float even for half: babl has a fast path from 8- and 16-bit
            # sRGB-curve codes to linear float and from float to half, none straight to
            # half (12 MP: 0.08 + 0.28 s against 0.9–2 s); one undo step all the same
            image.convert_precision(Gimp.Precision.FLOAT_LINEAR)
            if half:
                image.convert_precision(Gimp.Precision.HALF_LINEAR)
        layer = new_layer(image, drawable, name)
        layer.set_opacity(drawable.get_opacity())  # in the layer's place: the picture
        layer.set_mode(drawable.get_mode())  # composites as before (50 % Multiply stays so)
        sample, _, trc, babl = native(layer)
        if not converted:  # the same format the drawable was sent in: its own encoding
            _, pixels = fetch(sample=sample, order="RGBA", transfer="source", primaries="source")
        else:  # now linear float: encoded for the image profile's linear variant
            pixels = answer()[1] if linear is not None else None
            if pixels is None or (sample, trc) != (asked["sample"], ""):  # GIMP did not
                icc = b64(profile_for(image, trc))  # convert as foreseen: ask again
                _, pixels = fetch(sample=sample, order="RGBA", icc=icc)
        fill(layer, pixels, babl)
    finally:
        image.undo_group_end()
    return layer


def show_clipping(image, drawable, config, run_mode):
    over, under = config.get_property("over") / 255.0, config.get_property("under") / 255.0
    if under >= over:
        raise PluginError("the under-exposure threshold must be below the over-exposure one")
    drawable = source_drawable(image, drawable)
    header, data = read_drawable(image, drawable)
    header, data = with_selection(image, drawable, header, data)  # marked within it only
    client = bridge.connect()
    Gimp.progress_set_text("HDR Studio: analysing…")
    mode = config.get_property("mode")
    sample = native(drawable)[0]
    _, overlay = client.analyse(
        header, data, mode=mode, over=over, under=under, sample=sample, order="RGBA"
    )
    image.undo_group_start()  # one step: Undo brings the earlier overlay back
    try:
        for earlier in overlays_above(image, drawable):
            image.remove_layer(earlier)
        layer = new_layer(image, drawable, OVERLAY)
        fill(layer, overlay, native(layer)[3])  # 0 and 1: any curve
        image.set_selected_layers([drawable])  # the photo stays the active layer
    finally:
        image.undo_group_end()


def reconstruct(image, drawable, config, run_mode):
    active, drawable = drawable, source_drawable(image, drawable)
    header, data = read_drawable(image, drawable)
    message, payload = with_selection(image, drawable, header, data)
    client = bridge.connect()
    request = request_of(config)
    job = client.submit(message, payload, request)
    try:
        status = wait(client, job, "/v1/jobs/", "reconstructing…")
        if status["state"] != "done":
            raise PluginError(status.get("error") or "reconstruction " + status["state"])
        name = bridge.layer_name(status.get("label") or status["method"], request["strength"])

        def fetch(**conversion):
            return client.result(job, **conversion)

        precision, peak = config.get_property("hdr-precision"), status.get("peak", 0.0)
        # on top of what was active
        place_result(image, active, fetch, name, status["kind"], precision, peak)
    finally:
        with contextlib.suppress(bridge.BridgeError):
            client.cancel(job)


def request_of(config):
    request = {
        "result": config.get_property("result"),
        "strength": config.get_property("strength") / 100.0,
        "passes": 3 if config.get_property("mirror-passes") else 1,
    }
    method = config.get_property("method")
    if method and method != "default":
        request["method"] = method
    return request


def open_in_app(image, drawable, config, run_mode):
    drawable = source_drawable(image, drawable)
    header, data = read_drawable(image, drawable)
    client = bridge.connect()
    session = client.open_in_app(header, data, drawable.get_name())
    try:
        status = wait(client, session, "/v1/sessions/", "waiting for Send back in the app…")
        if status["state"] == "failed":
            raise PluginError(status.get("message") or "HDR Studio could not start")
        if status["state"] != "returned":
            return  # closed without sending back: the image stays as it was

        def fetch(**conversion):
            return client.session_result(session, **conversion)

        kind, peak = status["kind"], status.get("peak", 0.0)
        place_result(image, drawable, fetch, status["result_name"], kind, None, peak)
    finally:
        with contextlib.suppress(bridge.BridgeError):
            client.request("DELETE", "/v1/sessions/" + session)


ACTIONS = {
    "plug-in-hdr-studio-show-clipping": show_clipping,
    "plug-in-hdr-studio-reconstruct": reconstruct,
    "plug-in-hdr-studio-open-in-app": open_in_app,
}


class Preview:
    """The Reconstruct dialog's live preview: a reduced copy of the drawable (read once,
    GEGL scales it), sent to the bridge whenever the arguments change (debounced; the
    request runs on a thread, stale answers are dropped), shown as a GTK image."""

    def __init__(self, image, drawable, config, box):
        gi.require_version("Gtk", "3.0")
        gi.require_version("GdkPixbuf", "2.0")
        from gi.repository import Gtk

        w, h = drawable.get_width(), drawable.get_height()
        scale = min(1.0, PREVIEW_SIZE / max(w, h))
        self.header, self.data = read_drawable(image, source_drawable(image, drawable), scale)
        self.config, self.seq, self.shown, self.pending = config, 0, 0, None
        self.client, self.error = None, None
        self.picture = Gtk.Image()
        self.picture.set_size_request(PREVIEW_SIZE, PREVIEW_SIZE * 2 // 3)
        self.clipping = Gtk.CheckButton(label="Show clipping in the preview")
        self.note = Gtk.Label(label="Preview…")
        for widget in (self.picture, self.clipping, self.note):
            box.pack_start(widget, False, False, 4)
            widget.show()
        self.clipping.connect("toggled", lambda *_: self.later())
        config.connect("notify", lambda *_: self.later())
        self.later()

    def later(self):
        if self.pending is not None:
            GLib.source_remove(self.pending)
        self.pending = GLib.timeout_add(250, self.now)

    def now(self):
        self.pending = None
        self.seq += 1
        seq, request = self.seq, request_of(self.config)
        overlay = self.clipping.get_active()
        threading.Thread(target=self.work, args=(seq, request, overlay), daemon=True).start()
        return False

    def work(self, seq, request, overlay):
        t0 = time.monotonic()
        try:
            if self.client is None:
                self.client = bridge.connect()
            query = {"size": PREVIEW_SIZE, "overlay": "true" if overlay else "false"}
            body = bridge.parts(dict(self.header, request=request), self.data)
            _, _, answer = self.client.request("POST", "/v1/preview", body, query)
            head, pixels = bridge.unpack(answer)
            result = (head, bytes(pixels), time.monotonic() - t0)
        except bridge.BridgeError as exc:
            result = (None, str(exc), 0.0)
        GLib.idle_add(self.show, seq, result)

    def show(self, seq, result):
        from gi.repository import GdkPixbuf

        if seq != self.seq:
            return False  # a newer preview is on its way
        head, pixels, took = result
        if head is None:
            self.note.set_text("No preview: " + pixels)
            return False
        w, h = head["width"], head["height"]
        pixbuf = GdkPixbuf.Pixbuf.new_from_bytes(
            GLib.Bytes.new(pixels), GdkPixbuf.Colorspace.RGB, True, 8, w, h, 4 * w
        )
        self.picture.set_from_pixbuf(pixbuf)
        self.note.set_text(f"{head['kind'].upper()} preview, {took:.2f} s")
        self.shown += 1
        return False


def ask(procedure, config, image=None, drawable=None):
    """GIMP's dialog for the procedure's arguments (interactive runs; GIMP remembers the
    last values), with the live preview for Reconstruct."""
    gi.require_version("GimpUi", "3.0")
    from gi.repository import GimpUi

    GimpUi.init("hdr-studio")
    dialog = GimpUi.ProcedureDialog.new(procedure, config, PROCS[procedure.get_name()][0])
    if procedure.get_name() == "plug-in-hdr-studio-reconstruct":
        follow_method(config)
        config.connect("notify::method", lambda *_: follow_method(config))
    dialog.fill(None)
    preview = None
    if procedure.get_name() == "plug-in-hdr-studio-reconstruct" and image is not None:
        preview = Preview(image, drawable, config, dialog.get_content_area())
        test_hook(dialog, preview)
    accepted = dialog.run()
    dialog.destroy()
    return accepted


def test_hook(dialog, preview):
    """For the tests under Xvfb only (``HDR_STUDIO_TEST_SHOTS`` names a folder): once the
    preview shows, save the dialog's window (and again with clipping shown), then press OK."""
    folder = os.environ.get("HDR_STUDIO_TEST_SHOTS")
    if not folder:
        return
    from gi.repository import Gtk

    def shoot(name):
        window = dialog.get_window()
        from gi.repository import Gdk

        pixbuf = Gdk.pixbuf_get_from_window(window, 0, 0, window.get_width(), window.get_height())
        pixbuf.savev(os.path.join(folder, name), "png", [], [])

    def step():
        if preview.shown == 1 and not preview.clipping.get_active():
            shoot("gimp-reconstruct-dialog.png")
            with open(os.path.join(folder, "gimp-preview.json"), "w") as f:
                json.dump({"note": preview.note.get_text(), "shown": preview.shown}, f)
            preview.clipping.set_active(True)
        elif preview.shown >= 2:
            shoot("gimp-reconstruct-dialog-clipping.png")
            # Result follows an SDR-only method in the dialog; then back as it was
            cfg = preview.config
            method, result = cfg.get_property("method"), cfg.get_property("result")
            cfg.set_property("method", "declipnet")
            follows = {"declipnet": cfg.get_property("result")}
            cfg.set_property("method", method)
            cfg.set_property("result", result)
            with open(os.path.join(folder, "gimp-follow.json"), "w") as f:
                json.dump(follows, f)
            dialog.response(Gtk.ResponseType.OK)
            return False
        return True

    GLib.timeout_add(300, step)


def confirm_float(precision):
    gi.require_version("GimpUi", "3.0")
    from gi.repository import GimpUi, Gtk

    GimpUi.init("hdr-studio")
    words = PRECISION_WORDS.get(precision, "32-bit")
    dialog = Gtk.MessageDialog(
        message_type=Gtk.MessageType.QUESTION,
        buttons=Gtk.ButtonsType.OK_CANCEL,
        text=f"Convert the image to {words} linear floating point?",
    )
    dialog.format_secondary_text(
        "An HDR result keeps values above 1.0 only in a linear float image. The image is "
        "converted when the result is added (one undo step)."
        + (" 32-bit if a value exceeds 65504." if precision == "half" else "")
    )
    folder = os.environ.get("HDR_STUDIO_TEST_SHOTS")
    if folder:  # the tests under Xvfb: answer as the file "float-answer" says (else OK)
        with open(os.path.join(folder, "float-question.txt"), "w") as f:
            f.write(dialog.get_property("text"))
        try:
            with open(os.path.join(folder, "float-answer")) as f:
                no = f.read().strip() == "cancel"
        except OSError:
            no = False
        reply = Gtk.ResponseType.CANCEL if no else Gtk.ResponseType.OK
        GLib.timeout_add(300, lambda: dialog.response(reply) and False)
    answer = dialog.run()
    dialog.destroy()
    return answer == Gtk.ResponseType.OK


class HDRStudio(Gimp.PlugIn):
    def do_query_procedures(self):
        return list(PROCS)

    def do_set_i18n(self, name):
        return False

    def do_create_procedure(self, name):
        proc = Gimp.ImageProcedure.new(self, name, Gimp.PDBProcType.PLUGIN, self.run, None)
        label, blurb = PROCS[name]
        # greyscale too, so that the menu item says what to do instead of being greyed out
        proc.set_image_types("RGB*, GRAY*")
        proc.set_sensitivity_mask(Gimp.ProcedureSensitivityMask.DRAWABLE)
        proc.set_menu_label(label)
        proc.add_menu_path(MENU)
        proc.set_documentation(blurb, blurb + " (HDR Studio's bridge does the work).", name)
        proc.set_attribution("HDR Studio", "HDR Studio, GPL-3.0-or-later", "2026")
        flags = GObject.ParamFlags.READWRITE
        # Labels carry a mnemonic (_): GIMP warns for each one without, and for one a
        # dialog button has (_Reset, _Save, _OK, _Cancel, _Help, _Load).
        if name == "plug-in-hdr-studio-show-clipping":
            _add_clipping_arguments(proc, flags)
        if name == "plug-in-hdr-studio-reconstruct":
            _add_reconstruct_arguments(proc, flags)
        return proc

    def run(self, procedure, run_mode, image, drawables, config, run_data):
        if len(drawables) != 1:
            return self._fail(procedure, "select one layer")
        if image.get_base_type() != Gimp.ImageBaseType.RGB:
            return self._fail(procedure, "HDR Studio needs an RGB image: Image ▸ Mode ▸ RGB")
        name = procedure.get_name()
        interactive = run_mode == Gimp.RunMode.INTERACTIVE
        has_arguments = name != "plug-in-hdr-studio-open-in-app"
        if interactive and has_arguments and not ask(procedure, config, image, drawables[0]):
            return procedure.new_return_values(Gimp.PDBStatusType.CANCEL, GLib.Error())
        hdr = name == "plug-in-hdr-studio-reconstruct" and config.get_property("result") == "hdr"
        if hdr and sdr_only(config.get_property("method")):  # before any conversion is offered
            label = method_label(config.get_property("method"))
            return self._fail(procedure, f"{label} gives an SDR result only: choose Result: SDR")
        precision = config.get_property("hdr-precision") if hdr else None
        if hdr and interactive and is_integer(image) and not confirm_float(precision):
            # asked before any work: saying no leaves the image exactly as it was
            return procedure.new_return_values(Gimp.PDBStatusType.CANCEL, GLib.Error())
        Gimp.progress_init("HDR Studio: " + PROCS[name][0])
        try:
            ACTIONS[name](image, drawables[0], config, run_mode)
        except (bridge.BridgeError, PluginError) as exc:
            return self._fail(procedure, str(exc))
        finally:
            Gimp.progress_end()
        Gimp.displays_flush()
        return procedure.new_return_values(Gimp.PDBStatusType.SUCCESS, GLib.Error())

    def _fail(self, procedure, message):
        error = GLib.Error.new_literal(GLib.quark_from_string("hdr-studio"), message, 0)
        return procedure.new_return_values(Gimp.PDBStatusType.EXECUTION_ERROR, error)


if __name__ == "__main__":
    Gimp.main(HDRStudio.__gtype__, sys.argv)
