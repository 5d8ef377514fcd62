"""Tools ▸ HDR Studio in Krita: the menu, the dialog, and progress with Cancel. Network work
runs on a Python thread; Krita's document API is only touched on Krita's GUI thread (before
the thread starts and in the finishing callback), so Krita stays responsive."""

import threading

from krita import Extension, Krita
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QMenu,
    QMessageBox,
    QProgressDialog,
)

from . import hdr_studio_client as bridge
from . import operations

MENU = "hdr_studio"


class Background:
    """Run ``work(progress, cancelled)`` on a thread with a non-modal progress dialog; call
    ``done(result)`` (or show the error) on the GUI thread when it ends."""

    def __init__(self, title, work, done):
        self.state = {"fraction": 0.0, "message": "", "cancel": False}
        self.result, self.error = None, None
        self.dialog = QProgressDialog(title, "Cancel", 0, 1000)
        self.dialog.setWindowTitle("HDR Studio")
        self.dialog.setModal(False)
        self.dialog.setMinimumDuration(300)
        self.dialog.canceled.connect(lambda: self.state.update(cancel=True))
        self.done = done
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self.thread.start()
        self.timer.start(100)

    def _run(self, work):
        def progress(fraction, message):
            self.state.update(fraction=fraction, message=message)

        try:
            self.result = work(progress, lambda: self.state["cancel"])
        except (bridge.BridgeError, operations.PluginError) as exc:
            self.error = str(exc)
        except Exception as exc:  # shown, never a crash of Krita
            self.error = f"{type(exc).__name__}: {exc}"

    def _tick(self):
        self.dialog.setValue(int(self.state["fraction"] * 1000))
        if self.state["message"]:
            self.dialog.setLabelText(self.state["message"])
        if self.thread.is_alive():
            return
        self.timer.stop()
        self.dialog.reset()
        if self.error:
            QMessageBox.warning(None, "HDR Studio", self.error)
        elif not self.state["cancel"]:
            try:
                self.done(self.result)
            except (bridge.BridgeError, operations.PluginError) as exc:
                QMessageBox.warning(None, "HDR Studio", str(exc))


class ClippingDialog(QDialog):
    """Overlay mode and thresholds, as in the app's Clipping panel."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Show clipping – HDR Studio")
        form = QFormLayout(self)
        self.mode = QComboBox()
        for label, mode in (
            ("All channels clipped", "all"),
            ("Any channel clipped", "any"),
            ("Per channel (colour shows which)", "channel"),
        ):
            self.mode.addItem(label, mode)
        form.addRow("Mode", self.mode)
        self.over, self.under = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, value in ((self.over, 250.0), (self.under, 4.0)):
            spin.setRange(0.0, 255.0)
            spin.setDecimals(1)
            spin.setValue(value)
        form.addRow("Over-exposed at or above (of 255)", self.over)
        form.addRow("Under-exposed at or below (of 255)", self.under)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self):
        return self.mode.currentData(), self.over.value() / 255.0, self.under.value() / 255.0


class ReconstructDialog(QDialog):
    """Method (from the bridge's catalogue), result kind and the method's options."""

    def __init__(self, methods, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Reconstruct highlights – HDR Studio")
        self.methods = [m for m in methods if m["available"]]
        form = QFormLayout(self)
        self.method = QComboBox()
        for m in self.methods:
            label = m["label"] + (" (default)" if m.get("default") else "")
            self.method.addItem(label, m["name"])
            if m.get("default"):
                self.method.setCurrentIndex(self.method.count() - 1)
        form.addRow("Method", self.method)
        self.result = QComboBox()
        self.result.addItem("HDR (values above 1.0, linear float)", "hdr")
        self.result.addItem("SDR (tone-mapped, into this document)", "sdr")
        form.addRow("Result", self.result)
        self.strength = QDoubleSpinBox()
        self.strength.setRange(0.0, 150.0)
        self.strength.setValue(100.0)
        self.strength.setSuffix(" %")
        self.strength.setToolTip("How far the result goes beyond the measured pixels")
        form.addRow("Strength", self.strength)
        self.mirror = QCheckBox("Mirror passes (3× time, finer fill)")
        self.mirror.setToolTip(
            "Also run the network on the layer's mirror images and average the results"
        )
        form.addRow("", self.mirror)
        self.form, self.spins = form, {}
        self.method.currentIndexChanged.connect(self._options)
        self._options()
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _options(self):
        for spin in self.spins.values():
            self.form.removeRow(spin)
        self.spins = {}
        method = self.methods[self.method.currentIndex()]
        for opt in method.get("options", []):
            spin = QDoubleSpinBox()
            spin.setRange(opt["minimum"], opt["maximum"])
            spin.setValue(opt["default"])
            # after Method and Result, before Strength and the mirror passes
            self.form.insertRow(2 + len(self.spins), opt["label"], spin)
            self.spins[opt["name"]] = spin
        gives_hdr = method["kind"] in ("hdr", "hdr+sdr")  # an SDR declipper gives SDR only
        self.result.setCurrentIndex(0 if gives_hdr else 1)
        self.result.model().item(0).setEnabled(gives_hdr)

    def request(self):
        options = {name: spin.value() for name, spin in self.spins.items()}
        strength = self.strength.value() / 100.0
        passes = 3 if self.mirror.isChecked() else 1
        return self.method.currentData(), self.result.currentData(), options, strength, passes


class HDRStudioExtension(Extension):
    def __init__(self, parent):
        super().__init__(parent)
        self.tasks = []

    def setup(self):
        pass

    def createActions(self, window):
        actions = []
        for ident, text, slot in (
            ("hdr_studio_show_clipping", "Show clipping", self.show_clipping),
            ("hdr_studio_reconstruct", "Reconstruct highlights…", self.reconstruct),
            ("hdr_studio_open_in_app", "Open in HDR Studio", self.open_in_app),
        ):
            action = window.createAction(ident, text, "tools")
            action.triggered.connect(slot)
            actions.append(action)
        # Krita builds its menus after this call: move the actions into Tools ▸ HDR Studio
        # once it has (they stay directly under Tools if that menu cannot be found).
        qwindow = window.qwindow()
        QTimer.singleShot(0, lambda: self._submenu(qwindow, actions))

    def _submenu(self, qwindow, actions):
        bar = qwindow.menuBar()
        tools = next((a.menu() for a in bar.actions() if a.objectName() == "tools"), None)
        if tools is None or any(a.objectName() == MENU for a in tools.actions()):
            return
        sub = QMenu("HDR Studio", tools)
        sub.menuAction().setObjectName(MENU)
        for action in actions:
            tools.removeAction(action)
            sub.addAction(action)
        tools.addMenu(sub)

    # --- actions -----------------------------------------------------------------------------
    def _document(self):
        doc = Krita.instance().activeDocument()
        if doc is None:
            QMessageBox.information(None, "HDR Studio", "Open an image first.")
        return doc

    def _layer(self, doc):
        """The active layer (node, header, pixels), or None after telling the user why."""
        try:
            return operations.read_layer(doc)
        except operations.PluginError as exc:
            QMessageBox.warning(None, "HDR Studio", str(exc))
            return None

    def _run(self, title, work, done):
        task = Background(title, work, done)
        self.tasks = [t for t in self.tasks if t.thread.is_alive()] + [task]

    def show_clipping(self):
        doc = self._document()
        if doc is None:
            return
        dialog = ClippingDialog()
        if dialog.exec_() != QDialog.Accepted:
            return
        mode, over, under = dialog.values()
        layer = self._layer(doc)
        if layer is None:
            return
        node, header, data = layer

        def work(progress, cancelled):
            progress(0.1, "Starting HDR Studio…")
            client = bridge.connect()
            progress(0.5, "Analysing…")
            return operations.clipping_overlay(client, header, data, mode, over, under)

        def done(answer):
            _, overlay = answer  # (statistics, overlay)
            operations.add_layer(doc, node, "Clipping (HDR Studio)", overlay)

        self._run("Showing clipped pixels…", work, done)

    def reconstruct(self):
        doc = self._document()
        if doc is None:
            return
        try:
            client = bridge.connect()
            methods = client.models()
        except bridge.BridgeError as exc:
            QMessageBox.warning(None, "HDR Studio", str(exc))
            return
        dialog = ReconstructDialog(methods)
        if dialog.exec_() != QDialog.Accepted:
            return
        method, result, options, strength, passes = dialog.request()
        layer = self._layer(doc)
        if layer is None:
            return
        node, header, data = layer
        message, payload = operations.with_selection(doc, header, data)
        request = {
            "method": method,
            "result": result,
            "options": options,
            "strength": strength,
            "passes": passes,
        }

        def work(progress, cancelled):
            job_id = client.submit(message, payload, request)
            status = client.wait(job_id, progress, cancelled)
            return job_id, status

        def done(answer):
            job_id, status = answer
            try:
                if status["state"] != "done":
                    raise operations.PluginError(status.get("error") or status["state"])

                def fetch(**conversion):
                    return client.result(job_id, **conversion)

                name = f"HDR Studio – {status['method']}"
                operations.place_result(
                    doc, node, header, fetch, name, status["kind"], status["primaries"]
                )
            finally:
                client.cancel(job_id)

        self._run("Reconstructing highlights…", work, done)

    def open_in_app(self):
        doc = self._document()
        if doc is None:
            return
        layer = self._layer(doc)
        if layer is None:
            return
        node, header, data = layer

        def work(progress, cancelled):
            client = bridge.connect()
            session = client.open_in_app(header, data, node.name())
            progress(0.0, "Waiting for HDR Studio (press Send back there)…")
            status = client.wait(session, None, cancelled, prefix="/v1/sessions/", poll=0.3)
            return client, session, status

        def done(answer):
            client, session, status = answer
            if status["state"] != "returned":
                return  # closed without sending back: the document stays as it was

            def fetch(**conversion):
                return client.session_result(session, **conversion)

            operations.place_result(
                doc, node, header, fetch, status["result_name"], status["kind"], status["primaries"]
            )

        self._run("Waiting for HDR Studio…", work, done)
