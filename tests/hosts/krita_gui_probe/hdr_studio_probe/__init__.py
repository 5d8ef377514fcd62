"""A test helper loaded into real Krita (GUI, under Xvfb) beside the HDR Studio plug-in.
Once the window is up it drives the plug-in as an editor would, through its menu actions
and dialogs, and writes what it saw to OUT/report.json (screenshots beside):

1. Show clipping with no bridge running (a slow start): the dialog refuses under ≥ over;
   how long Krita's GUI thread stalled until the overlay came; the photo stays active.
2. Reconstruct: the dialog (method list loaded off the GUI thread), its live preview (and
   with clipping shown); 50 %; the result is the photo's (not the overlay's), dumped.
3. Reconstruct again in the new float HDR document: 50 % remembered; a layer in it.
   Once more, with Cancel pressed as the result arrives: nothing placed, the job dropped.
4. Open in HDR Studio with an app that cannot start: the message Krita shows.
5. A connection file with a wrong token: the message and how long it took.
Steps run from QTimer callbacks, so Krita's event loop keeps running between them."""

import json
import os
import time

from krita import Extension, Krita
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

OUT = os.environ.get("OUT", "/tmp")


class Probe(Extension):
    def setup(self):
        pass

    def createActions(self, window):
        self.report = {"steps": []}
        self.beats, self.gap, self.last = 0, 0.0, time.monotonic()
        self.heart = QTimer()
        self.heart.timeout.connect(self._beat)
        self.heart.start(20)
        QTimer.singleShot(3000, self.guard(self.open_photo))

    # --- plumbing --------------------------------------------------------------------------
    def _beat(self):
        now = time.monotonic()
        self.gap = max(self.gap, now - self.last)
        self.last = now

    def note(self, text):
        self.report["steps"].append(text)
        with open(os.path.join(OUT, "probe.log"), "a", encoding="utf-8") as f:
            f.write(text + "\n")

    def guard(self, fn):
        def run(*args):
            try:
                fn(*args)
            except Exception as exc:
                import traceback

                self.report["error"] = traceback.format_exc()
                self.note("error: " + repr(exc))
                self.finish()

        return run

    def wait_for(self, predicate, then, what, timeout=120.0):
        """Call ``then(value)`` once ``predicate()`` is truthy (polled every 200 ms)."""
        deadline = time.monotonic() + timeout

        def poll():
            value = predicate()
            if value:
                then(value)
            elif time.monotonic() > deadline:
                QApplication.primaryScreen().grabWindow(0).save(os.path.join(OUT, "timeout.png"))
                shown = [
                    (type(w).__name__, w.windowTitle(), getattr(w, "text", lambda: "")())
                    for w in QApplication.topLevelWidgets()
                    if w.isVisible()
                ]
                raise TimeoutError(f"waited too long for {what}; visible: {shown}")
            else:
                QTimer.singleShot(200, self.guard(poll))

        QTimer.singleShot(200, self.guard(poll))

    def modal(self, title):
        def find():
            w = QApplication.activeModalWidget()
            return w if w is not None and w.windowTitle() == title else None

        return find

    def message_box(self):
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible():
                return w
        return None

    def shot(self, widget, name):
        widget.grab().save(os.path.join(OUT, name))

    def trigger(self, action):
        QTimer.singleShot(0, Krita.instance().action(action).trigger)

    # --- the steps -------------------------------------------------------------------------
    def open_photo(self):
        app = Krita.instance()
        self.doc = app.openDocument(os.environ["PHOTO"])
        self.window = app.activeWindow()
        self.window.qwindow().setGeometry(0, 0, 1400, 900)
        self.window.addView(self.doc)
        bar = self.window.qwindow().menuBar()
        tools = next(a.menu() for a in bar.actions() if a.objectName() == "tools")
        sub = next(a.menu() for a in tools.actions() if a.objectName() == "hdr_studio")
        self.report["menu"] = [sub.title(), [a.text() for a in sub.actions()]]
        self.note("photo open")
        QTimer.singleShot(1500, self.guard(self.clipping))

    def clipping(self):
        """Show clipping with no bridge running: it starts (slowly) off the GUI thread."""
        self.trigger("hdr_studio_show_clipping")
        self.wait_for(self.modal("Show clipping – HDR Studio"), self.clipping_dialog, "clipping")

    def clipping_dialog(self, dialog):
        ok = dialog.buttons.button(QDialogButtonBox.Ok)
        dialog.under.setValue(252.0)
        self.report["ok_with_under_above_over"] = ok.isEnabled()
        self.report["clip_problem"] = dialog.problem.text()
        dialog.under.setValue(4.0)
        self.report["ok_with_under_below_over"] = ok.isEnabled()
        self.gap, self.last, self.t0 = 0.0, time.monotonic(), time.monotonic()
        dialog.accept()
        self.wait_for(
            lambda: "HDR Studio: Clipping" in [n.name() for n in self.doc.topLevelNodes()],
            self.clipping_done,
            "the overlay layer",
        )

    def clipping_done(self, _):
        self.report["overlay_after_s"] = round(time.monotonic() - self.t0, 2)
        self.report["clipping_stall_s"] = round(self.gap, 3)
        QTimer.singleShot(1500, self.guard(self.clipping_settled))  # as an editor looks

    def clipping_settled(self):
        self.report["layers_after_clipping"] = [n.name() for n in self.doc.topLevelNodes()]
        active = self.doc.activeNode()
        self.report["active_after_clipping"] = active.name() if active else None
        self.note("overlay added")
        QTimer.singleShot(500, self.guard(self.first_reconstruct))

    def first_reconstruct(self):
        self.docs_before = len(Krita.instance().documents())
        self.gap, self.last, self.t0 = 0.0, time.monotonic(), time.monotonic()
        self.trigger("hdr_studio_reconstruct")
        self.wait_for(
            self.modal("Reconstruct highlights – HDR Studio"), self.dialog_up, "the dialog"
        )

    def dialog_up(self, dialog):
        self.report["dialog_after_s"] = round(time.monotonic() - self.t0, 2)
        self.report["dialog_stall_s"] = round(self.gap, 3)
        self.dialog = dialog
        self.t0 = time.monotonic()
        self.wait_for(lambda: dialog.previews_shown >= 1, self.preview_one, "a preview")

    def preview_one(self, _):
        self.report["first_preview_s"] = round(time.monotonic() - self.t0, 2)
        self.report["preview_size"] = [
            self.dialog.preview_label.pixmap().width(),
            self.dialog.preview_label.pixmap().height(),
        ]
        self.report["preview_note"] = self.dialog.preview_note.text()
        self.shot(self.dialog, "reconstruct-dialog.png")
        self.dialog.show_clipping.setChecked(True)
        self.wait_for(lambda: self.dialog.previews_shown >= 2, self.preview_two, "the overlay")

    def preview_two(self, _):
        self.shot(self.dialog, "reconstruct-dialog-clipping.png")
        QApplication.primaryScreen().grabWindow(0).save(os.path.join(OUT, "krita.png"))
        self.dialog.strength.setValue(50.0)
        self.report["depth_offered"] = [
            self.dialog.depth.itemData(i) for i in range(self.dialog.depth.count())
        ]
        self.report["depth_default"] = self.dialog.depth.currentData()
        self.dialog.depth.setCurrentIndex(self.dialog.depth.findData("F32"))
        self.dialog.accept()
        self.note("first reconstruct accepted (the overlay is the active layer's neighbour)")
        self.wait_for(self.hdr_document, self.first_result, "the HDR document")

    def hdr_document(self):
        """The new HDR document once the plug-in has filled it."""
        docs = Krita.instance().documents()
        if len(docs) <= self.docs_before:
            return None
        layers = [n.name() for n in docs[-1].topLevelNodes()]
        return docs[-1] if layers == ["HDR Layer"] else None

    def first_result(self, _):
        QTimer.singleShot(500, self.guard(self.first_settled))

    def first_settled(self):
        new = Krita.instance().documents()[-1]
        layer = new.topLevelNodes()[0]
        with open(os.path.join(OUT, "first.raw"), "wb") as f:
            f.write(bytes(layer.pixelData(0, 0, new.width(), new.height())))
        self.report["first"] = {
            "document": new.name(),
            "file": os.path.basename(new.fileName()),
            "layer": layer.name(),
            "depth": layer.colorDepth(),
            "size": [new.width(), new.height()],
        }
        self.hdr_doc = new
        QApplication.primaryScreen().grabWindow(0).save(os.path.join(OUT, "krita-hdr.png"))
        QTimer.singleShot(1000, self.guard(self.second_reconstruct))

    def second_reconstruct(self):
        """Reconstruct again, now in the float HDR document: the dialog remembers 50 %, and
        the result is a layer in that document."""
        self.trigger("hdr_studio_reconstruct")
        self.wait_for(
            self.modal("Reconstruct highlights – HDR Studio"), self.second_dialog, "dialog 2"
        )

    def second_dialog(self, dialog):
        self.report["remembered_strength"] = dialog.strength.value()
        self.report["remembered_preview_clipping"] = dialog.show_clipping.isChecked()
        self.report["remembered_depth"] = dialog.depth.currentData()
        self.report["depth_enabled_in_float"] = dialog.depth.isEnabled()
        dialog.accept()
        self.wait_for(
            lambda: len(self.hdr_doc.topLevelNodes()) > 1,
            self.second_result,
            "the second result layer",
        )

    def second_result(self, _):
        self.report["hdr_document_layers"] = [n.name() for n in self.hdr_doc.topLevelNodes()]
        self.report["documents"] = len(Krita.instance().documents())
        QTimer.singleShot(500, self.guard(self.late_cancel))

    def late_cancel(self):
        """Reconstruct, and Cancel pressed just as the result arrives (the job ended, its
        end not yet handled on the GUI thread): nothing is placed, and the bridge drops
        the job rather than keeping its result until it expires."""
        from hdr_studio_krita import extension

        self.before_late = set(extension._RUNNING)
        self.layers_before_late = [n.name() for n in self.hdr_doc.topLevelNodes()]
        self.trigger("hdr_studio_reconstruct")
        self.wait_for(
            self.modal("Reconstruct highlights – HDR Studio"), self.late_dialog, "dialog 3"
        )

    def late_dialog(self, dialog):
        from hdr_studio_krita import extension

        dialog.accept()

        def catch():  # every turn of the event loop until the job's task exists
            task = next(
                (
                    t
                    for t in extension._RUNNING - self.before_late
                    if t.title == "Reconstructing highlights…"
                ),
                None,
            )
            if task is None:
                QTimer.singleShot(0, self.guard(catch))
                return
            task.thread.join(120)  # the job ended; the GUI thread has not seen it yet
            self.report["late_caught_before_its_end"] = (  # its end not handled yet
                task.timer.isActive() and task.result[1]["state"] == "done"
            )
            self.late_job = task.result[0]
            task.cancel()  # Cancel pressed now
            self.wait_for(lambda: task not in extension._RUNNING, self.late_done, "the end")

        QTimer.singleShot(0, self.guard(catch))

    def late_done(self, _):
        from hdr_studio_krita import hdr_studio_client as bridge

        client = bridge.connect()
        deadline = time.monotonic() + 10
        while True:  # the job is dropped on a thread of the plug-in's
            try:
                client.job(self.late_job)
                status = 200
            except bridge.BridgeError as exc:
                status = exc.status
            if status != 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.report["late_job_status"] = status
        after = [n.name() for n in self.hdr_doc.topLevelNodes()]
        self.report["late_layers_unchanged"] = after == self.layers_before_late
        QTimer.singleShot(500, self.guard(self.open_app))

    def open_app(self):
        self.layers_before_app = [n.name() for n in self.hdr_doc.topLevelNodes()]
        self.trigger("hdr_studio_open_in_app")
        self.wait_for(self.message_box, self.app_message, "the app's failure message")

    def app_message(self, box):
        self.report["app_message"] = box.text()
        after = [n.name() for n in self.hdr_doc.topLevelNodes()]
        self.report["layers_unchanged_after_app"] = after == self.layers_before_app
        box.accept()
        self.note("app failure shown")
        path = os.path.join(os.environ["HDR_STUDIO_RUNTIME_DIR"], "bridge.json")
        with open(path) as f:
            info = json.load(f)
        info["token"] = "stale-" + "0" * 40
        with open(path, "w") as f:
            json.dump(info, f)
        QTimer.singleShot(500, self.guard(self.wrong_token))

    def wrong_token(self):
        self.trigger("hdr_studio_show_clipping")
        self.wait_for(self.modal("Show clipping – HDR Studio"), self.token_dialog, "clipping 2")

    def token_dialog(self, dialog):
        self.t0 = time.monotonic()
        dialog.accept()
        self.wait_for(self.message_box, self.token_message, "the token message")

    def token_message(self, box):
        self.report["token_message"] = box.text()
        self.report["token_message_after_s"] = round(time.monotonic() - self.t0, 2)
        box.accept()
        self.finish()

    def finish(self):
        with open(os.path.join(OUT, "report.json"), "w", encoding="utf-8") as f:
            json.dump(self.report, f, indent=1)
        for doc in Krita.instance().documents():
            doc.setModified(False)
        QApplication.quit()


Krita.instance().addExtension(Probe(Krita.instance()))
