"""The app round trip: a host sends a layer, the bridge starts the desktop app on it, the
editor works and presses **Send back**; the host collects the result. Closing the app
without sending back ends the session with nothing to collect (the host leaves its document
as it was); the host may cancel while it waits (the app the bridge started is closed)."""

from __future__ import annotations

import secrets
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from hdr_studio.core.image import Image


def default_app_command() -> list[str]:
    """How this installation starts its desktop app (the bundle's binary, or this Python)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "gui"]
    return [sys.executable, "-m", "hdr_studio", "gui"]


@dataclass(eq=False)
class Session:
    id: str
    name: str
    image: Image
    raw: bytes  # the layer message as the host sent it (the app reads it back)
    state: str = "open"  # open → returned | closed | cancelled | failed
    message: str = "waiting for HDR Studio"
    result: Image | None = None
    result_name: str = ""
    result_kind: str = ""
    process: subprocess.Popen | None = None
    seen: float = field(default_factory=time.monotonic)

    def status(self) -> dict:
        d = {"id": self.id, "state": self.state, "message": self.message, "name": self.name}
        d["primaries"] = self.image.primaries
        if self.result is not None:
            d.update(result_name=self.result_name, kind=self.result_kind)
        return d


class SessionManager:
    """Round-trip sessions by id; each starts ``app_command`` + ``--bridge-session ID``."""

    def __init__(self, app_command: str | None = None, client_timeout: float = 30.0) -> None:
        self.app_command = shlex.split(app_command) if app_command else default_app_command()
        self.client_timeout = client_timeout
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, image: Image, name: str, raw: bytes) -> Session:
        session = Session(secrets.token_hex(8), name or "Layer", image, raw)
        with self._lock:
            self._sessions[session.id] = session
        try:
            session.process = subprocess.Popen(
                [*self.app_command, "--bridge-session", session.id],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            session.state, session.message = "failed", f"could not start HDR Studio: {exc}"
            return session
        threading.Thread(target=self._watch, args=(session,), daemon=True).start()
        return session

    def get(self, session_id: str, touch: bool = True) -> Session | None:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None and touch:
                session.seen = time.monotonic()
            return session

    def deliver(self, session_id: str, image: Image, name: str, kind: str) -> Session | None:
        """The app's **Send back**."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.state != "open":
                return session
            session.result, session.result_name, session.result_kind = image, name, kind
            session.state, session.message = "returned", "result sent back"
            return session

    def close(self, session_id: str, state: str = "closed", message: str = "") -> Session | None:
        """End a session without a result (the app closed, or the host cancelled)."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if session.state == "open":
                session.state = state
                session.message = message or f"HDR Studio {state} without sending back"
            elif state == "cancelled":  # the host is done with it: free the pixels
                del self._sessions[session_id]
        if state == "cancelled" and session.process is not None and session.process.poll() is None:
            session.process.terminate()
        return session

    def active(self) -> int:
        with self._lock:
            return sum(s.state == "open" for s in self._sessions.values())

    def shutdown(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
        for s in sessions:
            if s.process is not None and s.process.poll() is None:
                s.process.terminate()

    def _watch(self, session: Session) -> None:
        assert session.process is not None
        while True:
            try:
                code = session.process.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                if (
                    time.monotonic() - session.seen > self.client_timeout
                    and session.state == "open"
                ):
                    self.close(session.id, "cancelled", "the host stopped waiting")
        self.close(
            session.id,
            "closed",
            "HDR Studio closed without sending back"
            if code == 0
            else f"HDR Studio exited with status {code}",
        )
