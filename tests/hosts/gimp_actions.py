"""Run inside real GIMP 3 by ``gimp-console-3.0 --batch-interpreter=python-fu-eval``
(tests/hosts/test_gimp_plugin.py): load photos, run the HDR Studio procedures through the
PDB against a real bridge, dump each new layer's pixels (in the image's own format and as
linear float), write OUT/result.json. Environment: SPEC (a JSON file: {"out", "method",
"runs": [{"name", "photo", "float": bool, "actions": [...]}]})."""

import json
import os
import traceback

from gi.repository import Gegl, Gimp, Gio

with open(os.environ["SPEC"]) as f:
    SPEC = json.load(f)
OUT = SPEC["out"]
report = {"runs": {}}


def load(path, to_float=False, precision=None):
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(path))
    if to_float:
        image.convert_precision(Gimp.Precision.FLOAT_LINEAR)
    if precision:  # e.g. DOUBLE_NON_LINEAR, U32_NON_LINEAR (Image ▸ Precision)
        image.convert_precision(getattr(Gimp.Precision, precision))
    image.clean_all()
    return image


def run(name, image, drawable, **props):
    proc = Gimp.get_pdb().lookup_procedure(name)
    if proc is None:
        raise RuntimeError("procedure not registered: " + name)
    cfg = proc.create_config()
    cfg.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
    cfg.set_property("image", image)
    cfg.set_core_object_array("drawables", [drawable])
    for key, value in props.items():
        cfg.set_property(key.replace("_", "-"), value)
    result = proc.run(cfg)
    status = result.index(0)
    if status != Gimp.PDBStatusType.SUCCESS:
        error = result.index(1) if result.length() > 1 else None
        message = error if isinstance(error, str) else getattr(error, "message", str(error))
        raise RuntimeError(f"{name}: {status} {message}")
    return proc


def dump(key, image, layer=None):
    layer = layer or image.get_layers()[0]
    w, h = layer.get_width(), layer.get_height()
    rect = Gegl.Rectangle.new(0, 0, w, h)
    files = {}
    for kind, fmt in (("native", None), ("float", "RGBA float")):
        data = layer.get_buffer().get(rect, 1.0, fmt, Gegl.AbyssPolicy.CLAMP)
        files[kind] = f"{key}-{kind}.raw"
        with open(os.path.join(OUT, files[kind]), "wb") as f:
            f.write(bytes(data))
    return {
        "layer": layer.get_name(),
        "layers": [item.get_name() for item in image.get_layers()],
        "selected": [item.get_name() for item in image.get_selected_layers()],
        "precision": str(image.get_precision().value_nick),
        "bpp": layer.get_bpp(),
        "width": w,
        "height": h,
        "files": files,
        "dirty": image.is_dirty(),
    }


def one(spec, method):
    out = {"actions": {}}
    for action in spec["actions"]:
        image = load(spec["photo"], spec.get("float", False), spec.get("precision"))
        source = image.get_layers()[0]
        key = spec["name"] + "-" + action
        if action == "source":
            entry = dump(key, image, source)
        elif action in ("clipping", "clipping_selection"):
            if action == "clipping_selection":  # the left half selected
                image.select_rectangle(
                    Gimp.ChannelOps.REPLACE, 0, 0, image.get_width() // 2, image.get_height()
                )
            run("plug-in-hdr-studio-show-clipping", image, source, mode="all")
            entry = dump(key, image)
        elif action == "clipping_twice":  # thresholds changed: the overlay is replaced
            run("plug-in-hdr-studio-show-clipping", image, source, mode="all")
            run("plug-in-hdr-studio-show-clipping", image, source, mode="all", over=200.0)
            entry = dump(key, image)
        elif action == "overlay_then_hdr":
            run("plug-in-hdr-studio-show-clipping", image, source, mode="all")
            overlay = image.get_layers()[0]
            run("plug-in-hdr-studio-reconstruct", image, overlay, method=method, result="hdr")
            entry = dump(key, image)
        elif action == "bad_thresholds":
            try:
                run("plug-in-hdr-studio-show-clipping", image, source, over=200.0, under=220.0)
                entry = {"error": None}
            except RuntimeError as exc:
                entry = {"error": str(exc)}
            entry["layers"] = [item.get_name() for item in image.get_layers()]
        elif action == "half":
            run(
                "plug-in-hdr-studio-reconstruct",
                image,
                source,
                method=method,
                result="hdr",
                strength=50.0,
                mirror_passes=True,
                hdr_precision="float",
            )
            entry = dump(key, image)
        elif action == "sdr_multiply":  # a 50 % Multiply layer
            source.set_opacity(50.0)
            source.set_mode(Gimp.LayerMode.MULTIPLY)
            run("plug-in-hdr-studio-reconstruct", image, source, method="none", result="sdr")
            entry = dump(key, image)
            layer = image.get_layers()[0]
            entry["opacity"], entry["mode"] = layer.get_opacity(), layer.get_mode().value_nick
        elif action in ("none_sdr", "none_hdr"):
            result = action.split("_")[1]
            run("plug-in-hdr-studio-reconstruct", image, source, method="none", result=result)
            entry = dump(key, image)
        elif action in ("hdr", "sdr", "selection"):
            if action == "selection":
                image.select_rectangle(
                    Gimp.ChannelOps.REPLACE, 0, 0, image.get_width() // 2, image.get_height()
                )
            result = "sdr" if action == "sdr" else "hdr"
            run("plug-in-hdr-studio-reconstruct", image, source, method=method, result=result)
            entry = dump(key, image)
        elif action in ("mask", "declip_hdr", "grey"):  # refused before anything is added
            target = source
            if action == "grey":  # Image ▸ Mode ▸ Grayscale
                image.convert_grayscale()
            if action == "mask":  # the layer mask active (its thumbnail clicked)
                target = source.create_mask(Gimp.AddMaskType.WHITE)
                source.add_mask(target)
            image.clean_all()
            before = [item.get_name() for item in image.get_layers()]
            try:
                method_ = "declipnet" if action == "declip_hdr" else method
                run("plug-in-hdr-studio-reconstruct", image, target, method=method_, result="hdr")
                entry = {"error": None}
            except RuntimeError as exc:
                entry = {"error": str(exc)}
            entry["layers_unchanged"] = before == [item.get_name() for item in image.get_layers()]
            entry["dirty"] = image.is_dirty()
        elif action == "killed":  # the test ends the plug-in while it waits for its job
            try:
                run("plug-in-hdr-studio-reconstruct", image, source, method="classical")
                entry = {"error": None}
            except RuntimeError as exc:
                entry = {"error": str(exc)}
            entry["layers"] = [item.get_name() for item in image.get_layers()]
            entry["dirty"] = image.is_dirty()
        elif action in ("app", "app_fails"):
            try:
                run("plug-in-hdr-studio-open-in-app", image, source)
                entry = dump(key, image) if action == "app" else {"error": None}
            except RuntimeError as exc:
                entry = {"error": str(exc)}
            entry["layers"] = [item.get_name() for item in image.get_layers()]
            entry["dirty"] = image.is_dirty()
        else:
            raise ValueError("unknown action " + action)
        out["actions"][action] = entry
        image.delete()
    return out


try:
    method = SPEC.get("method") or "default"
    proc = Gimp.get_pdb().lookup_procedure("plug-in-hdr-studio-reconstruct")
    report["menu"] = list(proc.get_menu_paths()) if proc else []
    for spec in SPEC["runs"]:
        report["runs"][spec["name"]] = one(spec, method)
    report["ok"] = True
except Exception:
    report["ok"] = False
    report["error"] = traceback.format_exc()
with open(os.path.join(OUT, "result.json"), "w") as f:
    json.dump(report, f, indent=1)
print("gimp_actions done", flush=True)
