"""Run inside real Krita by ``kritarunner`` (tests/test_krita_plugin.py): open a photo, run
the HDR Studio plug-in's actions against a real bridge, dump each new layer's pixels and
export the HDR document, and write what happened to ``OUT/result.json``.

Usage: kritarunner -s krita_actions -f main PHOTO OUT ACTION[,ACTION...] [METHOD]
Actions: clipping, hdr, sdr, selection, app. kritarunner exits 0 even when this raises,
so errors are written to result.json too."""

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
    }


def main(args):
    photo, out, actions = args[0], args[1], args[2].split(",")
    method = args[3] if len(args) > 3 else None
    report = {"actions": {}}
    try:
        app = Krita.instance()
        app.setBatchmode(True)
        from hdr_studio_krita import hdr_studio_client as bridge
        from hdr_studio_krita import operations as ops

        doc = app.openDocument(photo)
        doc.setBatchmode(True)
        report["document"] = {"depth": doc.colorDepth(), "profile": doc.colorProfile()}
        client = bridge.connect()
        report["health"] = client.health()
        source = doc.topLevelNodes()[0]  # the photo's layer (no view: no active node)
        for action in actions:
            if action == "clipping":
                layer, stats = ops.show_clipping(doc, client, node=source)
                entry = dump(out, action, doc, layer)
                entry["stats"] = stats
            elif action == "half":
                target, layer, status = ops.reconstruct(
                    doc, client, method, "hdr", node=source, strength=0.5, passes=3
                )
                entry = dump(out, action, target, layer)
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
                entry = dump(out, action, target, layer)
                entry["status"] = status
                entry["progress_updates"] = len(updates)
                entry["new_document"] = target is not doc
                if target is not doc:
                    path = os.path.join(out, action + ".exr")
                    target.setBatchmode(True)
                    entry["exported"] = bool(target.exportImage(path, InfoObject()))
            elif action == "app":
                target, layer = ops.open_in_app(doc, client, node=source)
                entry = {"returned": layer is not None}
                if layer is not None:
                    entry.update(dump(out, action, target, layer))
                    entry["new_document"] = target is not doc
            else:
                raise ValueError("unknown action " + action)
            report["actions"][action] = entry
        report["ok"] = True
    except Exception:
        report["ok"] = False
        report["error"] = traceback.format_exc()
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(report, f, indent=1)
