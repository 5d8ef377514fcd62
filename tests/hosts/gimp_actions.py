"""Run inside real GIMP 3 by ``gimp-console-3.0 --batch-interpreter=python-fu-eval``
(tests/hosts/test_gimp_plugin.py): load a photo, run the HDR Studio procedures through the
PDB against a real bridge, dump each new layer's pixels, write OUT/result.json.
Environment: PHOTO, OUT, ACTIONS (clipping,hdr,sdr,selection,app), METHOD (optional)."""

import json
import os
import traceback

from gi.repository import Gegl, Gimp, Gio

PHOTO, OUT = os.environ["PHOTO"], os.environ["OUT"]
report = {"actions": {}}


def load():
    return Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(PHOTO))


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
        raise RuntimeError(f"{name}: {status} {error}")
    return proc


def dump(action, image, fmt, size):
    layer = image.get_layers()[0]
    w, h = layer.get_width(), layer.get_height()
    data = layer.get_buffer().get(Gegl.Rectangle.new(0, 0, w, h), 1.0, fmt, Gegl.AbyssPolicy.CLAMP)
    with open(os.path.join(OUT, action + ".raw"), "wb") as f:
        f.write(bytes(data))
    return {
        "layer": layer.get_name(),
        "layers": [item.get_name() for item in image.get_layers()],
        "precision": str(image.get_precision().value_nick),
        "width": w,
        "height": h,
        "file": action + ".raw",
        "size": size,
    }


try:
    method = os.environ.get("METHOD", "") or "default"
    proc = Gimp.get_pdb().lookup_procedure("plug-in-hdr-studio-reconstruct")
    report["menu"] = list(proc.get_menu_paths()) if proc else []
    report["label"] = proc.get_menu_label() if proc else ""
    for action in os.environ["ACTIONS"].split(","):
        image = load()
        source = image.get_layers()[0]
        if action == "clipping":
            run("plug-in-hdr-studio-show-clipping", image, source, mode="all")
            entry = dump(action, image, "R'G'B'A u8", 1)
        elif action == "half":
            run(
                "plug-in-hdr-studio-reconstruct",
                image,
                source,
                method=method,
                result="hdr",
                strength=50.0,
                mirror_passes=True,
            )
            entry = dump(action, image, "RGBA float", 4)
        elif action in ("hdr", "sdr", "selection"):
            if action == "selection":
                image.select_rectangle(
                    Gimp.ChannelOps.REPLACE, 0, 0, image.get_width() // 2, image.get_height()
                )
            result = "sdr" if action == "sdr" else "hdr"
            run("plug-in-hdr-studio-reconstruct", image, source, method=method, result=result)
            if action == "sdr":
                entry = dump(action, image, "R'G'B'A u8", 1)
            else:
                entry = dump(action, image, "RGBA float", 4)
        elif action == "app":
            run("plug-in-hdr-studio-open-in-app", image, source)
            entry = dump(action, image, "RGBA float", 4)
        else:
            raise ValueError("unknown action " + action)
        report["actions"][action] = entry
        image.delete()
    report["ok"] = True
except Exception:
    report["ok"] = False
    report["error"] = traceback.format_exc()
with open(os.path.join(OUT, "result.json"), "w") as f:
    json.dump(report, f, indent=1)
print("gimp_actions done", flush=True)
