#!/usr/bin/env python3
"""HDR Studio for GIMP 3: Filters ▸ Enhance ▸ HDR Studio (show clipping, reconstruct
highlights, open in HDR Studio) on the active drawable and selection. The work happens in
HDR Studio's bridge; this plug-in uses only GIMP's Python (PyGObject) and the standard
library."""

import contextlib
import os
import sys
import time

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, GLib, GObject  # noqa: E402

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
INTEGER = {
    Gimp.Precision.U8_NON_LINEAR: ("u8", "R'G'B'A u8", "srgb"),
    Gimp.Precision.U8_PERCEPTUAL: ("u8", "R'G'B'A u8", "srgb"),
    Gimp.Precision.U8_LINEAR: ("u8", "RGBA u8", "srgb-linear"),
    Gimp.Precision.U16_NON_LINEAR: ("u16", "R'G'B'A u16", "srgb"),
    Gimp.Precision.U16_PERCEPTUAL: ("u16", "R'G'B'A u16", "srgb"),
    Gimp.Precision.U16_LINEAR: ("u16", "RGBA u16", "srgb-linear"),
}
LINEAR_FLOAT = (
    Gimp.Precision.FLOAT_LINEAR,
    Gimp.Precision.HALF_LINEAR,
    Gimp.Precision.DOUBLE_LINEAR,
)


class PluginError(Exception):
    pass


def _methods():
    """The method list ``hdr-studio plugins install`` wrote beside this file."""
    import json

    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "methods.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"default": "the default network", "methods": []}


METHODS = _methods()


def read_drawable(image, drawable):
    """(layer header, pixel bytes, rectangle) of a drawable: integer images as their code
    values (sRGB), float images as linear light, through GEGL (babl converts from the
    image's profile to sRGB primaries)."""
    w, h = drawable.get_width(), drawable.get_height()
    rect = Gegl.Rectangle.new(0, 0, w, h)
    precision = image.get_precision()
    sample, fmt, space = INTEGER.get(precision, ("f32", "RGBA float", "srgb-linear"))
    data = drawable.get_buffer().get(rect, 1.0, fmt, Gegl.AbyssPolicy.CLAMP)
    header = {
        "width": w,
        "height": h,
        "channels": 4,
        "sample": sample,
        "order": "RGBA",
        "colorspace": {"name": space},
    }
    return header, bytes(data), rect


def with_selection(image, drawable, header, data):
    """Add the selection (one byte per drawable pixel) when there is one."""
    if Gimp.Selection.is_empty(image):
        return header, data
    _, ox, oy = drawable.get_offsets()
    rect = Gegl.Rectangle.new(ox, oy, header["width"], header["height"])
    mask = image.get_selection().get_buffer().get(rect, 1.0, "Y u8", Gegl.AbyssPolicy.NONE)
    return dict(header, selection=True), data + bytes(mask)


def progress_loop(client, item, prefix):
    """Wait for a job or session with GIMP's progress bar (a cancelled plug-in stops polling;
    the bridge then cancels the job)."""

    def progress(fraction, message):
        Gimp.progress_update(max(0.0, min(1.0, fraction)))
        if message:
            Gimp.progress_set_text("HDR Studio: " + message)

    return client.wait(item, progress, None, prefix=prefix)


def add_layer(image, drawable, name, data, fmt):
    """A new layer above ``drawable`` (same size and offsets) holding ``data`` in babl ``fmt``."""
    w, h = drawable.get_width(), drawable.get_height()
    layer = Gimp.Layer.new(
        image, name, w, h, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    parent = drawable.get_parent() if hasattr(drawable, "get_parent") else None
    position = image.get_item_position(drawable) if drawable.is_layer() else 0
    image.insert_layer(layer, parent, position)
    _, ox, oy = drawable.get_offsets()
    layer.set_offsets(ox, oy)
    buf = layer.get_buffer()
    buf.set(Gegl.Rectangle.new(0, 0, w, h), fmt, bytes(data))
    buf.flush()
    layer.update(0, 0, w, h)
    return layer


def place_result(image, drawable, fetch, name, kind, run_mode):
    """HDR: the image becomes 32-bit linear float (asking first when interactive) and the
    result a new layer with values above 1.0 kept; SDR: a new layer at the image's precision."""
    precision = image.get_precision()
    if kind == "hdr" and precision not in LINEAR_FLOAT:
        if run_mode == Gimp.RunMode.INTERACTIVE and not confirm_float():
            raise PluginError("cancelled: an HDR result needs a 32-bit linear float image")
        image.convert_precision(Gimp.Precision.FLOAT_LINEAR)
        precision = image.get_precision()
    if kind == "sdr" and precision in INTEGER:
        sample, fmt, space = INTEGER[precision]
        transfer = "linear" if space == "srgb-linear" else "srgb"
        _, pixels = fetch(sample=sample, order="RGBA", transfer=transfer, primaries="rec709")
    else:
        _, pixels = fetch(sample="f32", order="RGBA", transfer="linear", primaries="rec709")
        fmt = "RGBA float"
    return add_layer(image, drawable, name, pixels, fmt)


def ask(procedure, config):
    """GIMP's dialog for the procedure's arguments (interactive runs)."""
    gi.require_version("GimpUi", "3.0")
    from gi.repository import GimpUi

    GimpUi.init("hdr-studio")
    dialog = GimpUi.ProcedureDialog.new(procedure, config, PROCS[procedure.get_name()][0])
    dialog.fill(None)
    accepted = dialog.run()
    dialog.destroy()
    return accepted


def confirm_float():
    gi.require_version("GimpUi", "3.0")
    from gi.repository import GimpUi, Gtk

    GimpUi.init("hdr-studio")
    dialog = Gtk.MessageDialog(
        message_type=Gtk.MessageType.QUESTION,
        buttons=Gtk.ButtonsType.OK_CANCEL,
        text="Convert the image to 32-bit linear floating point?",
    )
    dialog.format_secondary_text(
        "An HDR result keeps values above 1.0 only in a linear float image."
    )
    answer = dialog.run()
    dialog.destroy()
    return answer == Gtk.ResponseType.OK


def show_clipping(image, drawable, config, run_mode):
    header, data, _ = read_drawable(image, drawable)
    client = bridge.connect()
    precision = image.get_precision()
    if precision in INTEGER:
        sample, fmt, _ = INTEGER[precision]
    else:
        sample, fmt = "f32", "RGBA float"
    over, under = config.get_property("over") / 255.0, config.get_property("under") / 255.0
    if under >= over:
        raise PluginError("the under-exposure threshold must be below the over-exposure one")
    mode = config.get_property("mode")
    _, overlay = client.analyse(
        header, data, mode=mode, over=over, under=under, sample=sample, order="RGBA"
    )
    if sample != "f32":
        fmt = "RGBA " + sample  # the overlay's 0/1 values need no encoding
    add_layer(image, drawable, "Clipping (HDR Studio)", overlay, fmt)


def reconstruct(image, drawable, config, run_mode):
    header, data, _ = read_drawable(image, drawable)
    message, payload = with_selection(image, drawable, header, data)
    client = bridge.connect()
    request = {
        "result": config.get_property("result"),
        "strength": config.get_property("strength") / 100.0,
        "passes": 3 if config.get_property("mirror-passes") else 1,
    }
    method = config.get_property("method")
    if method and method != "default":
        request["method"] = method
    job = client.submit(message, payload, request)
    try:
        status = progress_loop(client, job, "/v1/jobs/")
        if status["state"] != "done":
            raise PluginError(status.get("error") or "reconstruction " + status["state"])

        def fetch(**conversion):
            return client.result(job, **conversion)

        place_result(
            image, drawable, fetch, "HDR Studio – " + status["method"], status["kind"], run_mode
        )
    finally:
        client.cancel(job)


def open_in_app(image, drawable, config, run_mode):
    header, data, _ = read_drawable(image, drawable)
    client = bridge.connect()
    session = client.open_in_app(header, data, drawable.get_name())
    Gimp.progress_set_text("HDR Studio: waiting for Send back in the app…")
    while True:
        status = client.json("GET", "/v1/sessions/" + session)
        if status["state"] != "open":
            break
        Gimp.progress_pulse()
        time.sleep(0.3)
    if status["state"] != "returned":
        return  # closed without sending back: the image stays as it was

    def fetch(**conversion):
        return client.session_result(session, **conversion)

    try:
        place_result(image, drawable, fetch, status["result_name"], status["kind"], run_mode)
    finally:
        with contextlib.suppress(bridge.BridgeError):
            client.request("DELETE", "/v1/sessions/" + session)


ACTIONS = {
    "plug-in-hdr-studio-show-clipping": show_clipping,
    "plug-in-hdr-studio-reconstruct": reconstruct,
    "plug-in-hdr-studio-open-in-app": open_in_app,
}


class HDRStudio(Gimp.PlugIn):
    def do_query_procedures(self):
        return list(PROCS)

    def do_set_i18n(self, name):
        return False

    def do_create_procedure(self, name):
        proc = Gimp.ImageProcedure.new(self, name, Gimp.PDBProcType.PLUGIN, self.run, None)
        label, blurb = PROCS[name]
        proc.set_image_types("RGB*")
        proc.set_sensitivity_mask(Gimp.ProcedureSensitivityMask.DRAWABLE)
        proc.set_menu_label(label)
        proc.add_menu_path(MENU)
        proc.set_documentation(blurb, blurb + " (HDR Studio's bridge does the work).", name)
        proc.set_attribution("HDR Studio", "HDR Studio, GPL-3.0-or-later", "2026")
        flags = GObject.ParamFlags.READWRITE
        # Labels carry a mnemonic (_): GIMP warns for each one without, and for one a
        # dialog button has (_Reset, _Save, _OK, _Cancel, _Help, _Load).
        if name == "plug-in-hdr-studio-show-clipping":
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
                "code value (of 255) and below",
                0.0,
                254.0,
                4.0,
                flags,
            )
        if name == "plug-in-hdr-studio-reconstruct":
            methods = Gimp.Choice.new()
            methods.add("default", 0, f"Default ({METHODS['default']})", "")
            for i, m in enumerate(METHODS["methods"], 1):
                methods.add(m["name"], i, m["label"], m["kind"])
            proc.add_choice_argument(
                "method", "_Method", "HDR Studio method", methods, "default", flags
            )
            results = Gimp.Choice.new()
            results.add("hdr", 0, "HDR (32-bit linear float, values above 1.0)", "")
            results.add("sdr", 1, "SDR (tone-mapped, at the image's precision)", "")
            proc.add_choice_argument(
                "result", "Res_ult", "HDR or SDR result", results, "hdr", flags
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
                "M_irror passes (3x time)",
                "also run the network on the layer's mirror images and average the results",
                False,
                flags,
            )
        return proc

    def run(self, procedure, run_mode, image, drawables, config, run_data):
        if len(drawables) != 1:
            return self._fail(procedure, "select one layer")
        interactive = run_mode == Gimp.RunMode.INTERACTIVE
        has_arguments = procedure.get_name() != "plug-in-hdr-studio-open-in-app"
        if interactive and has_arguments and not ask(procedure, config):
            return procedure.new_return_values(Gimp.PDBStatusType.CANCEL, GLib.Error())
        Gimp.progress_init("HDR Studio: " + PROCS[procedure.get_name()][0])
        image.undo_group_start()
        try:
            ACTIONS[procedure.get_name()](image, drawables[0], config, run_mode)
        except (bridge.BridgeError, PluginError) as exc:
            return self._fail(procedure, str(exc))
        finally:
            image.undo_group_end()
            Gimp.progress_end()
        Gimp.displays_flush()
        return procedure.new_return_values(Gimp.PDBStatusType.SUCCESS, GLib.Error())

    def _fail(self, procedure, message):
        error = GLib.Error.new_literal(GLib.quark_from_string("hdr-studio"), message, 0)
        return procedure.new_return_values(Gimp.PDBStatusType.EXECUTION_ERROR, error)


if __name__ == "__main__":
    Gimp.main(HDRStudio.__gtype__, sys.argv)
