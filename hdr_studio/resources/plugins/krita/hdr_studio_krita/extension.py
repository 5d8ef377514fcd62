"""Tools ▸ HDR Studio in Krita: the menu, the dialogs (with a live preview), progress with
Cancel. Every bridge call runs on a Python thread (connecting, the method list, previews,
jobs); Krita's document API is only touched on Krita's GUI thread (before a thread starts
and in its finishing callback), so Krita never waits on the bridge. Dialogs keep their last
settings in Krita's configuration (``[hdr_studio]`` in kritarc)."""

import json
import threading
import time

from krita import Extension, Krita
from PyQt5.QtCore import QTimer
from PyQt5.QtGui import QImage, QPixmap
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QVBoxLayout,
)

from . import hdr_studio_client as bridge
from . import operations

MENU = "hdr_studio"
GROUP = "hdr_studio"
PREVIEW_SIZE = 480


def setting(name, default):
    """A remembered dialog value (JSON in Krita's configuration)."""
    try:
        return json.loads(Krita.instance().readSetting(GROUP, name, json.dumps(default)))
    except ValueError:
        return default


def remember(name, value):
    Krita.instance().writeSetting(GROUP, name, json.dumps(value))


def hdr_depth_setting():
    """The depth a new HDR document gets (``F16`` or ``F32``), as last chosen."""
    depth = setting("hdr_depth", operations.HDR_DEPTH)
    return depth if depth in operations.HDR_DEPTHS else operations.HDR_DEPTH


def status_bar(text, ms=5000):
    window = Krita.instance().activeWindow()
    if window is not None and window.qwindow() is not None:
        window.qwindow().statusBar().showMessage(text, ms)


def warn(text):
    status_bar("HDR Studio: " + text, 10000)
    QMessageBox.warning(None, "HDR Studio", text)


_RUNNING = set()  # every Background until its end is handled on the GUI thread


class Background:
    """Run ``work(progress, cancelled)`` on a thread; call ``done(result)`` (or show the
    error) on the GUI thread when it ends. ``title``: a non-modal progress dialog with
    Cancel and the status bar show progress; None: quiet (the dialogs' own calls).
    Cancelled, ``abandoned(result)`` is called instead of ``done`` with what ``work``
    returned (a job that ended as Cancel was pressed: the caller frees it).
    Each one is held in ``_RUNNING`` until its end is handled, so its Qt objects are always
    released on the GUI thread (never by the worker thread dropping the last reference)."""

    def __init__(self, title, work, done, failed=None, abandoned=None):
        _RUNNING.add(self)
        self.state = {"fraction": 0.0, "message": "", "cancel": False}
        self.result, self.error = None, None
        self.title, self.done, self.failed, self.abandoned = title, done, failed, abandoned
        self.dialog = None
        if title:
            self.dialog = QProgressDialog(title, "Cancel", 0, 1000)
            self.dialog.setWindowTitle("HDR Studio")
            self.dialog.setModal(False)
            self.dialog.setMinimumDuration(300)
            self.dialog.canceled.connect(self.cancel)
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self.thread.start()
        self.timer.start(50)

    def cancel(self):
        self.state["cancel"] = True

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
        if self.dialog is not None:
            self.dialog.setValue(int(self.state["fraction"] * 1000))
            if self.state["message"]:
                self.dialog.setLabelText(self.state["message"])
                status_bar(f"HDR Studio: {self.state['message']}", 2000)
        if self.thread.is_alive():
            return
        self.timer.stop()
        self.timer.timeout.disconnect()  # no cycle left: freed by reference, on this thread
        self.timer.deleteLater()
        QTimer.singleShot(0, lambda: _RUNNING.discard(self))  # after this call returns
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.canceled.disconnect()
            self.dialog.deleteLater()
        if self.error:
            if self.failed is not None:
                self.failed(self.error)
            else:
                warn(self.error)
        elif self.state["cancel"]:
            if self.abandoned is not None and self.result is not None:
                self.abandoned(self.result)
            status_bar("HDR Studio: cancelled; the image is unchanged")
        else:
            try:
                self.done(self.result)
            except (bridge.BridgeError, operations.PluginError) as exc:
                warn(str(exc))


class ClippingDialog(QDialog):
    """Overlay mode and thresholds, as in the app's Clipping panel (remembered)."""

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
        self.mode.setCurrentIndex(max(0, self.mode.findData(setting("clip_mode", "all"))))
        form.addRow("Mode", self.mode)
        self.over, self.under = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, key, value in ((self.over, "clip_over", 250.0), (self.under, "clip_under", 4.0)):
            spin.setRange(0.0, 255.0)
            spin.setDecimals(1)
            spin.setValue(float(setting(key, value)))
            spin.valueChanged.connect(self._check)
        form.addRow("Over-exposed at or above (of 255)", self.over)
        form.addRow("Under-exposed at or below (of 255)", self.under)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #c33")
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._check()

    def _check(self):
        ok = self.under.value() < self.over.value()
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(ok)
        self.problem.setText("" if ok else "Under-exposed must be below over-exposed.")

    def accept(self):
        remember("clip_mode", self.mode.currentData())
        remember("clip_over", self.over.value())
        remember("clip_under", self.under.value())
        super().accept()

    def values(self):
        return self.mode.currentData(), self.over.value() / 255.0, self.under.value() / 255.0


class ReconstructDialog(QDialog):
    """Method (from the bridge's catalogue), result kind, the method's options, strength,
    mirror passes, and a live preview computed by the bridge on a reduced copy of the layer
    (updated as the choices change; stale answers are dropped). Choices are remembered."""

    def __init__(self, methods, preview_source=None, hdr_canvas=False, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Reconstruct highlights – HDR Studio")
        self.methods = [m for m in methods if m["available"]]
        self.preview_source = preview_source  # (client, header, data) or None
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        outer.addLayout(left)
        form = QFormLayout()
        left.addLayout(form)
        self.method = QComboBox()
        remembered = setting("method", None)
        for m in self.methods:
            label = m["label"] + (" (default)" if m.get("default") else "")
            self.method.addItem(label, m["name"])
            if m["name"] == remembered or (remembered is None and m.get("default")):
                self.method.setCurrentIndex(self.method.count() - 1)
        form.addRow("Method", self.method)
        self.result = QComboBox()
        self.result.addItem("HDR (values above 1.0, linear float)", "hdr")
        self.result.addItem("SDR (tone-mapped, into this document)", "sdr")
        form.addRow("Result", self.result)
        self.depth = QComboBox()
        self.depth.addItem("16-bit float (half: as EXR saves it)", "F16")
        self.depth.addItem("32-bit float", "F32")
        self.depth.setCurrentIndex(max(0, self.depth.findData(hdr_depth_setting())))
        self.depth.setToolTip(
            "Depth of the new document an HDR result of an 8- or 16-bit layer opens in"
            " (a float document takes HDR results as a layer of its own depth)"
        )
        form.addRow("HDR document", self.depth)
        self.strength = QDoubleSpinBox()
        self.strength.setRange(0.0, 150.0)
        self.strength.setValue(float(setting("strength", 100.0)))
        self.strength.setSuffix(" %")
        self.strength.setToolTip("How far the result goes beyond the measured pixels")
        form.addRow("Strength", self.strength)
        self.mirror = QCheckBox("Mirror passes (3× the network, finer fill)")
        self.mirror.setChecked(bool(setting("mirror", False)))
        self.mirror.setToolTip(
            "Also run the network on the layer's mirror images and average the results"
        )
        form.addRow("", self.mirror)
        self.form, self.spins = form, {}
        self.method.currentIndexChanged.connect(self._options)
        self._options()
        if hdr_canvas:  # its results are layers of the document's own depth
            self.depth.setToolTip(
                "This float document takes an HDR result as a layer of its own depth"
            )
        self.result.currentIndexChanged.connect(
            lambda *_: self.depth.setEnabled(self.result.currentData() == "hdr" and not hdr_canvas)
        )
        self.result.setCurrentIndex(max(0, self.result.findData(setting("result", "hdr"))))
        self.depth.setEnabled(self.result.currentData() == "hdr" and not hdr_canvas)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        left.addWidget(buttons)
        self._preview_setup(outer)

    # --- preview ---------------------------------------------------------------------------
    def _preview_setup(self, outer):
        self.preview_label = QLabel("Preview…" if self.preview_source else "")
        self.preview_label.setObjectName("hdr_studio_preview")
        self.preview_label.setMinimumSize(PREVIEW_SIZE, PREVIEW_SIZE * 2 // 3)
        self.show_clipping = QCheckBox("Show clipping in the preview")
        self.show_clipping.setChecked(bool(setting("preview_clipping", False)))
        right = QVBoxLayout()
        right.addWidget(self.preview_label)
        right.addWidget(self.show_clipping)
        self.preview_note = QLabel("")
        right.addWidget(self.preview_note)
        outer.addLayout(right)
        self.preview_seq, self.previews_shown, self.preview_task = 0, 0, None
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(250)  # debounce: one request after a burst of changes
        self.preview_timer.timeout.connect(self._preview_now)
        for signal in (
            self.method.currentIndexChanged,
            self.result.currentIndexChanged,
            self.strength.valueChanged,
            self.mirror.toggled,
            self.show_clipping.toggled,
        ):
            signal.connect(lambda *_: self.preview_timer.start())
        if self.preview_source is None:
            self.preview_label.hide()
            self.show_clipping.hide()
        else:
            self.preview_timer.start()

    def done(self, result):
        self.closed = True  # previews still on their way are dropped
        self.preview_timer.stop()
        super().done(result)

    def _preview_now(self):
        if self.preview_source is None or getattr(self, "closed", False):
            return
        client, header, data = self.preview_source
        self.preview_seq += 1
        seq, request = self.preview_seq, self.request_fields()
        overlay = self.show_clipping.isChecked()

        def work(progress, cancelled):
            t0 = time.monotonic()
            answer = operations.preview(client, header, data, request, PREVIEW_SIZE, overlay)
            return answer, time.monotonic() - t0

        def done(result, seq=seq):
            if seq != self.preview_seq or getattr(self, "closed", False):
                return  # a newer preview is on its way, or the dialog is gone
            (w, h, pixels, head), took = result
            self._pixels = pixels  # the QImage refers to these bytes
            image = QImage(pixels, w, h, 4 * w, QImage.Format_RGBA8888)
            self.preview_label.setPixmap(QPixmap.fromImage(image))
            self.previews_shown += 1
            self.preview_note.setText(f"{head['kind'].upper()} preview, {took:.2f} s")

        def failed(message, seq=seq):
            if seq == self.preview_seq and not getattr(self, "closed", False):
                self.preview_label.setText("No preview: " + message)

        self.preview_task = Background(None, work, done, failed)

    # --- choices ---------------------------------------------------------------------------
    def _options(self):
        for spin in self.spins.values():
            self.form.removeRow(spin)
        self.spins = {}
        method = self.methods[self.method.currentIndex()]
        kept = setting("options", {}).get(method["name"], {})
        for opt in method.get("options", []):
            spin = QDoubleSpinBox()
            spin.setRange(opt["minimum"], opt["maximum"])
            spin.setValue(float(kept.get(opt["name"], opt["default"])))
            spin.valueChanged.connect(lambda *_: self.preview_timer.start())
            # after Method, Result and HDR document, before Strength and the mirror passes
            self.form.insertRow(3 + len(self.spins), opt["label"], spin)
            self.spins[opt["name"]] = spin
        gives_hdr = method["kind"] in ("hdr", "hdr+sdr")  # an SDR declipper gives SDR only
        if not gives_hdr:  # an SDR choice stays when the method changes (it was reset to HDR)
            self.result.setCurrentIndex(1)
        self.result.model().item(0).setEnabled(gives_hdr)

    def request(self):
        options = {name: spin.value() for name, spin in self.spins.items()}
        strength = self.strength.value() / 100.0
        passes = 3 if self.mirror.isChecked() else 1
        return self.method.currentData(), self.result.currentData(), options, strength, passes

    def request_fields(self):
        return operations.request_fields(*self.request())

    def accept(self):
        method, result, options, _, _ = self.request()
        remember("method", method)
        remember("result", result)
        remember("hdr_depth", self.depth.currentData())
        remember("strength", self.strength.value())
        remember("mirror", self.mirror.isChecked())
        remember("preview_clipping", self.show_clipping.isChecked())
        kept = setting("options", {})
        kept[method] = options
        remember("options", kept)
        super().accept()


class HDRStudioExtension(Extension):
    def __init__(self, parent):
        super().__init__(parent)
        self.tasks = []
        self.dialog = None  # the open dialog (tests and the preview look at it)

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
        """The source layer (node, header, pixels), or None after telling the user why."""
        try:
            return operations.read_layer(doc)
        except operations.PluginError as exc:
            warn(str(exc))
            return None

    def _run(self, title, work, done, failed=None, abandoned=None):
        task = Background(title, work, done, failed, abandoned)
        self.tasks = [t for t in self.tasks if t.thread.is_alive()] + [task]
        return task

    def show_clipping(self):
        doc = self._document()
        if doc is None:
            return
        self.dialog = ClippingDialog()
        accepted = self.dialog.exec_() == QDialog.Accepted
        mode, over, under = self.dialog.values()
        self.dialog.deleteLater()  # Qt frees it here, on the GUI thread
        self.dialog = None
        if not accepted:
            return
        layer = self._layer(doc)
        if layer is None:
            return
        node, header, data = layer
        header, data = operations.with_selection(doc, header, data)  # within it only

        def work(progress, cancelled):
            progress(0.1, "Starting HDR Studio…")
            client = bridge.connect()
            progress(0.5, "Analysing…")
            return operations.clipping_overlay(client, header, data, mode, over, under)

        def done(answer):
            _, overlay = answer  # (statistics, overlay)
            operations.place_overlay(doc, node, overlay)
            # Krita activates a new layer once its view has seen it: the photo again, after
            QTimer.singleShot(300, lambda: doc.setActiveNode(node))
            status_bar("HDR Studio: clipping shown in a new layer")

        self._run("Showing clipped pixels…", work, done)

    def reconstruct(self):
        doc = self._document()
        if doc is None:
            return
        layer = self._layer(doc)
        if layer is None:
            return

        def connect(progress, cancelled):
            progress(0.1, "Starting HDR Studio…")
            client = bridge.connect()
            return client, client.models()

        self._run(
            "Starting HDR Studio…",
            connect,
            lambda answer: self._reconstruct_dialog(doc, layer, *answer),
        )

    def _reconstruct_dialog(self, doc, layer, client, methods):
        node, header, data = layer
        hdr_canvas = operations.is_hdr_canvas(node)
        self.dialog = ReconstructDialog(methods, (client, header, data), hdr_canvas)
        accepted = self.dialog.exec_() == QDialog.Accepted
        dialog, self.dialog = self.dialog, None
        fields = dialog.request_fields()
        dialog.deleteLater()  # Qt frees it here, on the GUI thread
        if not accepted:
            return
        strength = fields["strength"]
        message, payload = operations.with_selection(doc, header, data)

        def work(progress, cancelled):
            job_id = client.submit(message, payload, fields)
            return job_id, client.wait(job_id, progress, cancelled)

        def done(answer):
            job_id, status = answer
            if status["state"] == "cancelled":
                return
            operations.finish_job(
                doc, node, header, client, job_id, status, strength, hdr_depth_setting()
            )
            status_bar("HDR Studio: result added")

        def abandoned(answer):  # cancelled, or its result came as Cancel was pressed:
            job_id = answer[0]  # dropped on the bridge now, not kept there until it expires
            threading.Thread(target=client.forget, args=(job_id,), daemon=True).start()

        self._run("Reconstructing highlights…", work, done, abandoned=abandoned)

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
            operations.finish_session(
                doc, node, header, client, session, status, hdr_depth_setting()
            )

        self._run("Waiting for HDR Studio…", work, done)
