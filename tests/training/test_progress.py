"""The long training commands' progress line: time taken and time left at the run's pace."""

from __future__ import annotations

from hdr_studio.training.cli import _clock, _Progress


def test_clock_reads_as_hours_minutes_or_seconds():
    assert _clock(45.2) == "45s"
    assert _clock(750) == "12m30s"
    assert _clock(3900) == "1h05m"


def test_time_left_is_counted_from_the_runs_own_first_report():
    now = [100.0]
    line = _Progress("train masked", clock=lambda: now[0])
    # a resumed run: its first report is at 20 %, and nothing is known of its pace yet
    assert "left" not in line.text(0.20, "hdr loss 0.08")
    now[0] += 600.0  # ten minutes for ten per cent: 70 % left takes seventy minutes
    text = line.text(0.30, "hdr loss 0.07")
    assert text.startswith("train masked:  30.0%  10m00s in, ~1h10m left")
    assert text.rstrip().endswith("hdr loss 0.07")
    now[0] += 60.0
    assert "left" not in line.text(1.0, "done")
