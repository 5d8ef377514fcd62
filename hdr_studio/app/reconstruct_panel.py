"""The Reconstruct panel: method (from the catalogue: unavailable ones disabled, with the
reason), device, the chosen method's options, camera curve, strength, mirror passes,
Reconstruct / Cancel and the job's progress. It shows the plain models and writes the
editor's changes to them; it holds no state of its own."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from hdr_studio.api.parameters import parameter
from hdr_studio.app.curve_box import CurveBox
from hdr_studio.app.model.controller import reconstruct_refusal
from hdr_studio.app.model.controls import control_range
from hdr_studio.app.model.curve import CurveModel
from hdr_studio.app.model.state import AppState
from hdr_studio.app.model.status import job_status, result_out_of_date
from hdr_studio.app.widgets import (
    ResetSpinBox,
    ValueSlider,
    blocked,
    set_tip,
    tag_parameter,
    tip,
)

RUN_TIP = "Reconstruct the clipped highlights of the open photo with the chosen method (Ctrl+R)"


class ReconstructPanel(QtWidgets.QWidget):
    run_requested = QtCore.Signal()
    cancel_requested = QtCore.Signal()

    def __init__(self, state: AppState, curves: CurveModel, curve_jobs) -> None:
        super().__init__()
        self.state = state
        layout = QtWidgets.QVBoxLayout(self)
        self._add_method(layout)
        self.curve_box = CurveBox(state.edits, curves, curve_jobs)
        layout.addWidget(self.curve_box)
        self._add_strength(layout)
        tag_parameter(self.method, "reconstruct.method")
        tag_parameter(self.curve_box, "reconstruct.curve")
        tag_parameter(self, "reconstruct.options")  # each method's own, from the catalogue
        layout.addStretch(1)
        # Reconstruct, Cancel, the bar and the status: under the panel's scrolling part
        # (the dock keeps them in view), so that a short window still shows them
        self.footer = QtWidgets.QWidget()
        footer = QtWidgets.QVBoxLayout(self.footer)
        footer.setContentsMargins(9, 4, 9, 6)
        self._add_run(footer)

        self._connect()
        self._methods_changed()

    def _add_method(self, layout: QtWidgets.QVBoxLayout) -> None:
        """The method box, the device line and the box of the method's own options."""
        self.method = QtWidgets.QComboBox()
        set_tip(
            self.method,
            "How the clipped light is reconstructed: the networks (HDR Studio's own and the "
            "papers' models) or the classical, network-free method. Hover a method for its "
            "paper; unavailable ones say why.",
        )
        layout.addWidget(QtWidgets.QLabel("Method"))
        layout.addWidget(self.method)
        self.device = QtWidgets.QLabel()
        self.device.setWordWrap(True)
        layout.addWidget(self.device)
        self.params_box = QtWidgets.QVBoxLayout()
        layout.addLayout(self.params_box)
        self.params: dict[str, QtWidgets.QGroupBox] = {}
        self._options: dict[str, dict[str, QtWidgets.QDoubleSpinBox]] = {}

    def _add_strength(self, layout: QtWidgets.QVBoxLayout) -> None:
        """Strength (range from the request's parameter table) and mirror passes."""
        shown = control_range(parameter("strength"))  # from the request's table: 0–150 %
        self.strength_slider = ValueSlider(
            "Strength", shown.minimum, shown.maximum, shown.default, shown.suffix
        )
        tag_parameter(self.strength_slider, "reconstruct.strength")
        self.strength_slider.setToolTip(
            "How far the result goes beyond the measured pixels: 0 % is the linearised "
            "photo, 100 % the method's calibrated result. Changes the view without rerunning. "
            "Type a value, or double-click to go back to 100 %."
        )
        layout.addWidget(self.strength_slider)
        self.mirror = QtWidgets.QCheckBox("Mirror passes (3× the network, finer fill)")
        set_tip(
            self.mirror,
            "Also run the network on the photo's mirror images and average the three "
            "results: about three times the time, a little more accurate in clipped areas. "
            "The built-in methods run once.",
        )
        layout.addWidget(self.mirror)
        tag_parameter(self.mirror, "reconstruct.passes")

    def _add_run(self, layout: QtWidgets.QVBoxLayout) -> None:
        """Reconstruct and Cancel, the progress bar and the status line."""
        buttons = QtWidgets.QHBoxLayout()
        self.run = QtWidgets.QPushButton("Reconstruct")
        self.run.setDefault(True)
        self.cancel = QtWidgets.QPushButton("Cancel")
        set_tip(self.cancel, "Stop the running job (Esc); nothing it made is kept")
        buttons.addWidget(self.run)
        buttons.addWidget(self.cancel)
        layout.addLayout(buttons)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1000)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

    def _connect(self) -> None:
        """Edits to the model, the model to the widgets."""
        state = self.state
        edits = state.edits
        self.method.currentIndexChanged.connect(
            lambda _: edits.update(method=self.current_method() or edits.method)
        )
        self.strength_slider.valueChanged.connect(lambda v: edits.update(strength=v / 100.0))
        self.mirror.toggled.connect(lambda on: edits.update(passes=3 if on else 1))
        self.run.clicked.connect(self.run_requested.emit)
        self.cancel.clicked.connect(self.cancel_requested.emit)
        state.methods.subscribe(lambda _: self._methods_changed())
        edits.subscribe(lambda _: self.sync_edits())
        edits.subscribe(lambda _: self.sync_job())  # a result of other settings says so
        for model in (state.job, state.analysis, state.document):
            model.subscribe(lambda _: self.sync_job())

    # --- the method list ----------------------------------------------------------------
    def _methods_changed(self) -> None:
        methods = self.state.methods
        model = QtGui.QStandardItemModel()
        for m in methods.methods:
            item = QtGui.QStandardItem(m.label if m.available else f"{m.label} — unavailable")
            item.setData(m.name, QtCore.Qt.ItemDataRole.UserRole)
            item.setEnabled(m.available)
            item.setToolTip(tip(m.paper if m.available else m.reason))
            model.appendRow(item)
        with blocked(self.method):
            self.method.setModel(model)
        self.device.setText(f"Device: {methods.device}")
        for group in self.params.values():
            self.params_box.removeWidget(group)
            group.deleteLater()
        self.params, self._options = {}, {}
        for m in methods.methods:
            if m.options:
                self._add_options(m)
        self.sync_edits()
        self.sync_job()

    def _add_options(self, m) -> None:
        group = QtWidgets.QGroupBox(f"{m.label.split(' (')[0]} parameters")
        form = QtWidgets.QFormLayout(group)
        boxes = {}
        for opt in m.options:
            box = ResetSpinBox(opt.default)  # a typed value applies whole, on Enter
            box.setRange(opt.minimum, opt.maximum)
            box.setSingleStep(0.5)
            box.setValue(opt.default)
            set_tip(box, opt.help)
            box.valueChanged.connect(
                lambda v, method=m.name, name=opt.name: self.state.edits.update(
                    options=self.state.edits.with_option(method, name, v)
                )
            )
            form.addRow(opt.label, box)
            boxes[opt.name] = box
        self.params[m.name], self._options[m.name] = group, boxes
        self.params_box.addWidget(group)

    # --- showing the models ------------------------------------------------------------
    def sync_edits(self) -> None:
        edits = self.state.edits
        index = self.method.findData(edits.method, QtCore.Qt.ItemDataRole.UserRole)
        with blocked(self.method):
            self.method.setCurrentIndex(max(index, 0))
        for name, group in self.params.items():
            group.setVisible(name == edits.method)
        for method, boxes in self._options.items():
            info = self.state.methods.get(method)
            values = edits.options_for(method)
            for opt in info.options if info is not None else ():
                with blocked(boxes[opt.name]):
                    boxes[opt.name].setValue(values.get(opt.name, opt.default))
        self.strength_slider.setValue(edits.strength * 100.0)
        with blocked(self.mirror):
            self.mirror.setChecked(edits.passes == 3)
        info = self.state.methods.get(edits.method)
        # the built-in methods run once: the box did nothing for them, checked or not
        self.mirror.setEnabled(info is None or not info.builtin)

    def sync_job(self) -> None:
        s = self.state
        running = s.job.state == "running"
        why = reconstruct_refusal(s)
        self.run.setEnabled(not running and why is None)
        set_tip(self.run, why or RUN_TIP)
        self.cancel.setEnabled(running)
        text, progress = job_status(s.job, s.analysis)
        if not running and result_out_of_date(s):
            made = s.document.result_label or "another method's"
            text = f"The result is {made}: Reconstruct (Ctrl+R) for these settings"
        self.progress.setValue(round(progress * 1000))
        self.status.setText(text)

    # --- what tests and the Batch dialog ask -----------------------------------------
    def current_method(self) -> str:
        return self.method.currentData(QtCore.Qt.ItemDataRole.UserRole) or ""

    def option(self, method: str, name: str) -> QtWidgets.QDoubleSpinBox:
        """The spin box of ``method``'s option ``name``."""
        return self._options[method][name]
