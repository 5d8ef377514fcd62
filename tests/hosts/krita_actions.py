"""Run inside real Krita by ``kritarunner`` (tests/hosts/test_krita_plugin.py): open photos,
run the HDR Studio plug-in's operations against a real bridge, dump each new layer's pixels
(and export HDR documents), and write what happened to ``OUT/result.json``.

Usage: kritarunner -s krita_actions -f main SPEC.json
SPEC: {"out": DIR, "method": M or null, "runs": [{"photo": PATH, "name": N,
"convert": [depth, profile] or null, "actions": [...]}]}.
Actions: clipping, clipping_selection, hdr, sdr, selection, half, app, overlay_then_hdr,
cancel, none_sdr, none_hdr, not_paint, layer_space. kritarunner exits 0 even when this
raises, so errors go to result.json too."""

import json
import os
import traceback

from krita import InfoObject, Krita, Selection


def dump(out, name, doc, layer):
    data = bytes(layer.pixelData(0, 0, doc.width(), doc.height()))
    with open(os.path.join(out, name + ".raw"), "wb") as f:
        f.write(data)
    return {
        "name": layer.name(),
        "depth": layer.colorDepth(),
        "profile": layer.colorProfile(),
        "width": doc.width(),
        "height": doc.height(),
        "file": name + ".raw",
        "document_layers": [n.name() for n in doc.topLevelNodes()],
        "document_name": doc.name(),
        "document_depth": doc.colorDepth(),
        "file_name": doc.fileName(),
        "modified": doc.modified(),
        "opacity": layer.opacity(),
        "blending": layer.blendingMode(),
    }


def run_one(ops, client, run, out, method):
    app = Krita.instance()
    doc = app.openDocument(run["photo"])
    doc.setBatchmode(True)
    if run.get("convert"):
        depth, profile = run["convert"]
        doc.setColorSpace("RGBA", depth, profile)
    source = doc.topLevelNodes()[0]  # the photo's layer (no view: no active node)
    report = {
        "document": {"depth": doc.colorDepth(), "profile": doc.colorProfile()},
        "actions": {},
    }
    prefix = run["name"] + "-"
    with open(os.path.join(out, prefix + "source.raw"), "wb") as f:
        f.write(bytes(source.pixelData(0, 0, doc.width(), doc.height())))
    for action in run["actions"]:
        key = prefix + action
        if action in ("clipping", "clipping_selection"):
            if action == "clipping_selection":  # the left half selected
                sel = Selection()
                sel.select(0, 0, doc.width() // 2, doc.height(), 255)
                doc.setSelection(sel)
            layer, stats = ops.show_clipping(doc, client, node=source)
            if action == "clipping_selection":
                doc.setSelection(Selection())
            entry = dump(out, key, doc, layer)
            entry["stats"] = stats
        elif action == "overlay_then_hdr":  # Show clipping, then Reconstruct on its overlay
            overlay, _ = ops.show_clipping(doc, client, node=source)
            target, layer, status = ops.reconstruct(doc, client, method, "hdr", node=overlay)
            entry = dump(out, key, target, layer)
        elif action == "cancel":
            before = [n.name() for n in doc.topLevelNodes()]
            target, layer, status = ops.reconstruct(
                doc, client, method, "hdr", node=source, cancelled=lambda: True
            )
            entry = {
                "state": status["state"],
                "placed": layer is not None,
                "layers_unchanged": before == [n.name() for n in doc.topLevelNodes()],
                "documents": len(Krita.instance().documents()),
            }
        elif action == "layer_space":  # the photo's layer alone converted to 16 bits
            source.setColorSpace("RGBA", "U16", "sRGB-elle-V2-srgbtrc.icc")
            source.setOpacity(128)
            source.setBlendingMode("multiply")
            with open(os.path.join(out, key + "-converted.raw"), "wb") as f:
                f.write(bytes(source.pixelData(0, 0, doc.width(), doc.height())))
            target, layer, status = ops.reconstruct(doc, client, "none", "sdr", node=source)
            entry = dump(out, key, target, layer)
        elif action in ("none_sdr", "none_hdr"):
            result = action.split("_")[1]
            target, layer, status = ops.reconstruct(doc, client, "none", result, node=source)
            entry = dump(out, key, target, layer)
            entry["same_document"] = target is doc
        elif action == "half":
            target, layer, status = ops.reconstruct(  # into a 32-bit float document
                doc, client, method, "hdr", node=source, strength=0.5, passes=3, depth="F32"
            )
            entry = dump(out, key, target, layer)
        elif action in ("hdr", "sdr", "selection"):
            if action == "selection":
                sel = Selection()
                sel.select(0, 0, doc.width() // 2, doc.height(), 255)
                doc.setSelection(sel)
            updates = []
            target, layer, status = ops.reconstruct(
                doc,
                client,
                method,
                "sdr" if action == "sdr" else "hdr",
                progress=lambda f, m, seen=updates: seen.append(f),
                node=source,
            )
            if action == "selection":
                doc.setSelection(Selection())
            entry = dump(out, key, target, layer)
            entry["status"] = status
            entry["progress_updates"] = len(updates)
            entry["new_document"] = target is not doc
            if target is not doc:
                path = os.path.join(out, key + ".exr")
                target.setBatchmode(True)
                entry["exported"] = bool(target.exportImage(path, InfoObject()))
        elif action == "app":
            target, layer = ops.open_in_app(doc, client, node=source)
            entry = {"returned": layer is not None}
            if layer is not None:
                entry.update(dump(out, key, target, layer))
                entry["new_document"] = target is not doc
        elif action == "not_paint":  # a group, a vector, a fill layer and a mask, each active
            entry = {}
            group = doc.createGroupLayer("Group")
            vector = doc.createVectorLayer("Vector")
            info = InfoObject()
            info.setProperty("color", "#808080")
            fill = doc.createFillLayer("Fill", "color", info, Selection())
            mask = doc.createNode("Mask", "transparencymask")
            for node in (group, vector, fill):
                doc.rootNode().addChildNode(node, None)
            source.addChildNode(mask, None)
            before = [n.name() for n in doc.topLevelNodes()]
            for name, node in (
                ("group", group),
                ("vector", vector),
                ("fill", fill),
                ("mask", mask),
            ):
                try:
                    ops.reconstruct(doc, client, method, "sdr", node=node)
                    entry[name] = None
                except ops.PluginError as exc:
                    entry[name] = str(exc)
            entry["layers_unchanged"] = before == [n.name() for n in doc.topLevelNodes()]
            for node in (group, vector, fill, mask):
                node.remove()
        elif action == "app_fails":
            try:
                ops.open_in_app(doc, client, node=source)
                entry = {"error": None}
            except ops.PluginError as exc:
                entry = {"error": str(exc)}
            entry["layers"] = [n.name() for n in doc.topLevelNodes()]
        else:
            raise ValueError("unknown action " + action)
        report["actions"][action] = entry
    return report


def main(args):
    with open(args[0]) as f:
        spec = json.load(f)
    out = spec["out"]
    report = {"runs": {}}
    try:
        app = Krita.instance()
        app.setBatchmode(True)
        from hdr_studio_krita import hdr_studio_client as bridge
        from hdr_studio_krita import operations as ops

        client = bridge.connect()
        report["health"] = client.health()
        for run in spec["runs"]:
            report["runs"][run["name"]] = run_one(ops, client, run, out, spec.get("method"))
        report["ok"] = True
    except Exception:
        report["ok"] = False
        report["error"] = traceback.format_exc()
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(report, f, indent=1)
