"""The app round trip: a host sends a layer, the bridge starts the desktop app on it, the
editor works and presses **Send back**; the host collects the result. Closing the app
without sending back ends the session with nothing to collect (the host leaves its document
as it was); the host may cancel while it waits (the app the bridge started is closed). An
app that cannot start, or exits with an error, fails the session with the reason it gave
(the last line it wrote to stderr), which the host shows."""

from __future__ import annotations

import collections
import logging
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from hdr_studio.api.layers import peak_value
from hdr_studio.api.types import Image
from hdr_studio.bridge.lease import Leased, Leases

log = logging.getLogger(__name__)


def default_app_command() -> list[str]:
    """How this installation starts its desktop app (the bundle's binary, or this Python)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "gui"]
    return [sys.executable, "-m", "hdr_studio", "gui"]


@dataclass(eq=False, kw_only=True)
class Session(Leased):
    name: str
    image: Image
    raw: bytes  # the layer message as the host sent it (the app reads it back)
    state: str = "open"  # open → returned | closed | cancelled | failed
    message: str = "waiting for HDR Studio"
    result: Image | None = None
    result_name: str = ""
    result_kind: str = ""
    process: subprocess.Popen | None = None
    source: Any = None  # the layer's format (its colour space, for results in it)
    stderr: collections.deque = field(default_factory=lambda: collections.deque(maxlen=20))

    def status(self) -> dict:
        d: dict[str, Any] = {
            "id": self.id,
            "state": self.state,
            "message": self.message,
            "name": self.name,
        }
        d["primaries"] = self.image.primaries
        if self.result is not None:
            d.update(result_name=self.result_name, kind=self.result_kind)
            d["peak"] = peak_value(self.result.linear)
        return d


class SessionManager:
    """Round-trip sessions by id; each starts ``app_command`` + ``--bridge-session ID``."""

    def __init__(self, app_command: str | None = None, client_timeout: float = 10.0) -> None:
        self.app_command = shlex.split(app_command) if app_command else default_app_command()
        self.client_timeout = client_timeout
        self._sessions: Leases[Session] = Leases(client_timeout)

    def open(self, image: Image, name: str, raw: bytes) -> Session:
        session = self._sessions.add(Session(name=name or "Layer", image=image, raw=raw))
        command = [*self.app_command, "--bridge-session", session.id]
        log.info("session %s: starting the app (%s)", session.id, shlex.join(command))
        try:
            session.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            self._fail(session, f"could not start HDR Studio ({command[0]}): {exc.strerror or exc}")
            return session
        threading.Thread(target=self._read_stderr, args=(session,), daemon=True).start()
        threading.Thread(target=self._watch, args=(session,), daemon=True).start()
        return session

    def get(self, session_id: str, touch: bool = True) -> Session | None:
        return self._sessions.get(session_id, touch)

    def deliver(self, session_id: str, image: Image, name: str, kind: str) -> Session | None:
        """The app's **Send back**."""
        with self._sessions.lock:
            session = self._sessions.get(session_id)
            if session is None or session.state != "open":
                return session
            session.result, session.result_name, session.result_kind = image, name, kind
            session.state, session.message = "returned", "result sent back"
            session.finished = time.monotonic()
        log.info("session %s: result sent back (%s)", session_id, kind)
        return session

    def close(self, session_id: str, state: str = "closed", message: str = "") -> Session | None:
        """End a session without a result (the app closed, or the host cancelled)."""
        with self._sessions.lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if session.state == "open":
                session.state = state
                session.message = message or f"HDR Studio {state} without sending back"
                session.finished = time.monotonic()
                log.info("session %s %s: %s", session_id, state, session.message)
            elif state == "cancelled":  # the host is done with it: free the pixels
                self._sessions.remove(session_id)
        if state == "cancelled" and session.process is not None and session.process.poll() is None:
            session.process.terminate()
        return session

    def _fail(self, session: Session, message: str) -> None:
        with self._sessions.lock:
            if session.state == "open":
                session.state, session.message = "failed", message
                session.finished = time.monotonic()
        log.warning("session %s failed: %s", session.id, message)

    def active(self) -> int:
        return sum(s.state == "open" for s in self._sessions)

    def shutdown(self) -> None:
        for s in self._sessions:
            if s.process is not None and s.process.poll() is None:
                s.process.terminate()

    def _read_stderr(self, session: Session) -> None:
        """Keep the app's last lines of stderr (the reason when it fails) and log them."""
        assert session.process is not None and session.process.stderr is not None
        for raw in session.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                session.stderr.append(line)
                log.info("session %s app: %s", session.id, line)

    def _watch(self, session: Session) -> None:
        assert session.process is not None
        while True:
            try:
                code = session.process.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                gone, _ = self._sessions.expired()
                if session in gone and session.state == "open":
                    self.close(session.id, "cancelled", "the host stopped waiting")
        if code == 0:
            self.close(session.id, "closed", "HDR Studio closed without sending back")
            return
        time.sleep(0.1)  # the last stderr lines
        reason = session.stderr[-1] if session.stderr else ""
        self._fail(
            session,
            f"HDR Studio exited with status {code}" + (f": {reason}" if reason else ""),
        )
