"""A test helper loaded into real Krita (GUI, under Xvfb) beside the HDR Studio plug-in:
once the window is up it opens PHOTO, records the Tools ▸ HDR Studio menu, triggers
Show clipping, shows the menu open, saves a screenshot and quits. Writes OUT/menu.json."""

import json
import os

from krita import Extension, Krita
from PyQt5.QtCore import QPoint, QTimer
from PyQt5.QtWidgets import QApplication


class Probe(Extension):
    def setup(self):
        pass

    def createActions(self, window):
        self.note("window created")
        QTimer.singleShot(3000, self.guard(self.open_photo))

    def note(self, text):
        with open(os.path.join(os.environ["OUT"], "probe.log"), "a", encoding="utf-8") as f:
            f.write(text + "\n")

    def guard(self, fn):
        def run():
            try:
                fn()
            except Exception as exc:
                self.note("error: " + repr(exc))
                self.finish({"error": repr(exc)})

        return run

    def open_photo(self):
        doc = Krita.instance().openDocument(os.environ["PHOTO"])
        self.window = Krita.instance().activeWindow()  # the wrapper of createActions is gone
        self.window.qwindow().setGeometry(0, 0, 1400, 900)
        self.window.addView(doc)
        self.doc = doc
        self.note("photo open")
        QTimer.singleShot(2000, self.guard(self.run_action))

    def _menu(self):
        bar = self.window.qwindow().menuBar()
        tools = next(a.menu() for a in bar.actions() if a.objectName() == "tools")
        sub = next(a.menu() for a in tools.actions() if a.objectName() == "hdr_studio")
        return bar, tools, sub

    def run_action(self):
        try:
            _, _, sub = self._menu()
            self.report = {
                "submenu": sub.title(),
                "actions": [a.text() for a in sub.actions()],
                "layers_before": [n.name() for n in self.doc.topLevelNodes()],
            }
            self.tries = 0
            QTimer.singleShot(1500, self.guard(self.accept_dialog))
            Krita.instance().action("hdr_studio_show_clipping").trigger()  # modal: the dialog
            self.started = 0
            QTimer.singleShot(500, self.guard(self.wait_for_layer))
        except Exception as exc:
            self.finish({"error": repr(exc)})

    def accept_dialog(self):
        dialog = QApplication.activeModalWidget()
        self.tries += 1
        if dialog is None and self.tries < 60:  # a loaded machine: the dialog is not up yet
            QTimer.singleShot(500, self.guard(self.accept_dialog))
            return
        self.report["dialog"] = dialog.windowTitle() if dialog is not None else None
        self.note(f"dialog after {self.tries} looks: {self.report['dialog']}")
        if dialog is not None:
            dialog.accept()

    def wait_for_layer(self):
        names = [n.name() for n in self.doc.topLevelNodes()]
        self.started += 1
        if "Clipping (HDR Studio)" not in names and self.started < 120:
            QTimer.singleShot(500, self.guard(self.wait_for_layer))
            return
        self.report["layers_after"] = names
        bar, tools, sub = self._menu()
        tools_action = next(a for a in bar.actions() if a.objectName() == "tools")
        pos = bar.mapToGlobal(bar.actionGeometry(tools_action).bottomLeft())
        tools.popup(pos)
        QTimer.singleShot(600, self.guard(lambda: self.open_sub(tools, sub)))

    def open_sub(self, tools, sub):
        hdr = next(a for a in tools.actions() if a.objectName() == "hdr_studio")
        tools.setActiveAction(hdr)
        sub.popup(tools.mapToGlobal(tools.actionGeometry(hdr).topRight()) + QPoint(2, 0))
        QTimer.singleShot(800, self.guard(self.shoot))

    def shoot(self):
        screen = QApplication.primaryScreen()
        screen.grabWindow(0).save(os.path.join(os.environ["OUT"], "krita.png"))
        self.finish(self.report)

    def finish(self, report):
        with open(os.path.join(os.environ["OUT"], "menu.json"), "w", encoding="utf-8") as f:
            json.dump(report, f)
        if getattr(self, "doc", None) is not None:
            self.doc.setModified(False)
        QApplication.quit()


Krita.instance().addExtension(Probe(Krita.instance()))
