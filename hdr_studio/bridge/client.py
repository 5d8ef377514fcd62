"""The bridge's client, in the Python standard library only: the GIMP and Krita plug-ins
carry a copy of this file (``hdr-studio plugins install`` copies it), the desktop app and the
``bridge status|stop`` commands import it. No numpy, no torch, no HDR Studio import here.

Protocol: ``plugins/PROTOCOL.md``. A layer travels as one body: ``b"HSL1"``, the length of a
JSON header (uint32, little-endian), the header (UTF-8), then the raw little-endian samples.
When the connection file names an exchange folder, a large layer message travels as a file
in it instead of through the socket (see :func:`Client._exchange`): the same bytes, without
the loopback copies that cost a 12 MP float layer about half a second each way.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import struct
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Any

PROTOCOL = 1
MAGIC = b"HSL1"
CONNECTION_FILE = "bridge.json"
#: Written beside the plug-in's copy of this file by ``hdr-studio plugins install``: the
#: absolute command of the installation it came from (a host started from its menu has
#: another PATH than the shell the install ran in).
COMMAND_FILE = "hdr_studio_command.json"
#: The request header naming a body file in the exchange folder (the body is then empty),
#: the request header asking for a layer answer as a file, and that answer's content type.
BODY_FILE_HEADER = "X-HDR-Studio-Body-File"
REPLY_FILE_HEADER = "X-HDR-Studio-Reply"
FILE_ANSWER_TYPE = "application/x-hdr-studio-layer-file+json"
#: Names in the exchange folder: 32 hex digits and ``.in`` (client → bridge) or ``.out``.
EXCHANGE_NAME = re.compile(r"[0-9a-f]{32}\.(in|out)")
#: Bodies smaller than this go through the socket (a file costs more than it saves there).
FILE_MIN_BYTES = 1 << 20


class BridgeError(Exception):
    """A one-line problem: the bridge's own message, or why it could not be reached."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def runtime_dir() -> Path:
    """The folder of the connection file (see :mod:`hdr_studio.bridge.connection`)."""
    if os.environ.get("HDR_STUDIO_RUNTIME_DIR"):
        return Path(os.environ["HDR_STUDIO_RUNTIME_DIR"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "hdr-studio"
    return Path.home() / ".cache" / "hdr-studio" / "run"


def state_dir() -> Path:
    """The user's state folder for HDR Studio (the bridge's log):
    ``$XDG_STATE_HOME/hdr-studio``, else ``~/.local/state/hdr-studio``."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hdr-studio"


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (zombies of our own children count as gone)."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    try:
        with open(f"/proc/{int(pid)}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def read_connection() -> dict | None:
    """The running bridge's connection info, or None (no file, unreadable, dead pid)."""
    try:
        info = json.loads((runtime_dir() / CONNECTION_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not pid_alive(info.get("pid", -1)):
        return None
    return info


def layer_name(label: str, strength: float = 1.0) -> str:
    """The name every HDR Studio result layer gets, in both hosts' actions and the app's
    round trip: ``HDR Studio: Masked features, 100 %``."""
    return f"HDR Studio: {label}, {round(strength * 100)} %"


def parts(header: dict, data: Any = b"") -> list:
    """One layer message as pieces to send one after the other (no copy of the samples):
    magic and header length, JSON header, samples (bytes or any buffer)."""
    head = json.dumps(header).encode("utf-8")
    return [MAGIC + struct.pack("<I", len(head)) + head, data]


def pack(header: dict, data: bytes = b"") -> bytes:
    """One layer message as one bytes object."""
    prefix, samples = parts(header, data)
    return prefix + bytes(samples)


def unpack(body: bytes) -> tuple[dict, memoryview]:
    """(header, samples) of a layer message; ``ValueError`` when it is not one."""
    if len(body) < 8 or body[:4] != MAGIC:
        raise ValueError("not a layer message (no HSL1 magic)")
    (n,) = struct.unpack("<I", body[4:8])
    if 8 + n > len(body):
        raise ValueError("layer header runs past the end of the body")
    header = json.loads(bytes(body[8 : 8 + n]).decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("layer header is not a JSON object")
    return header, memoryview(body)[8 + n :]


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


class _FileAnswer:
    """A layer answer file read as :func:`_read_layer` reads an HTTP response."""

    chunked = False

    def __init__(self, f: Any, total: int) -> None:
        self.fp, self._total, self._read = f, total, 0

    def read(self, n: int = -1) -> bytes:
        data = self.fp.read(n)
        self._read += len(data)
        return data

    @property
    def length(self) -> int | None:
        return self._total - self._read if self._total >= 0 else None


def _read_layer(resp: Any) -> tuple[dict, bytes]:
    """(header, samples) of a layer message read from an HTTP response: the samples go
    from the socket's buffered reader straight into one bytes object of their size (no
    joined body, no copy to cut the header off; GIMP's GEGL takes only bytes)."""
    prefix = resp.read(8)
    if len(prefix) < 8 or prefix[:4] != MAGIC:
        raise ValueError("not a layer message (no HSL1 magic)")
    (n,) = struct.unpack("<I", prefix[4:8])
    header = json.loads(resp.read(n).decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("layer header is not a JSON object")
    length = resp.length  # what Content-Length says is left
    if length is None or resp.chunked:
        return header, resp.read()
    samples = resp.fp.read(length)  # HTTPResponse.read(amt) would copy once more
    if len(samples) != length:
        raise ValueError(f"layer message ends after {len(samples)} of {length} sample bytes")
    return header, samples


def recorded_command() -> list[str] | None:
    """The command ``hdr-studio plugins install`` recorded beside this file, if it still
    exists."""
    try:
        with open(Path(__file__).with_name(COMMAND_FILE), encoding="utf-8") as f:
            command = json.load(f)["command"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(command, list) and command and all(isinstance(c, str) for c in command)):
        return None
    return command if os.access(command[0], os.X_OK) else None


def find_command() -> list[str] | None:
    """How to start HDR Studio: ``$HDR_STUDIO_COMMAND`` (a path), the command recorded at
    install (:func:`recorded_command`), ``hdr-studio`` on PATH, or the bundle that
    ``install.sh`` puts under ``~/.local``."""
    configured = os.environ.get("HDR_STUDIO_COMMAND")
    if configured:
        return [configured]
    recorded = recorded_command()
    if recorded:
        return recorded
    found = shutil.which("hdr-studio")
    if found:
        return [found]
    for candidate in (
        Path.home() / ".local" / "bin" / "hdr-studio",
        Path.home() / ".local" / "lib" / "hdr-studio" / "hdr-studio",
    ):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    return None


class Client:
    """Requests to one running bridge (host 127.0.0.1, the connection file's port/token)."""

    def __init__(
        self, port: int, token: str, timeout: float = 120.0, exchange: Path | None = None
    ) -> None:
        self.port, self.token, self.timeout = int(port), token, timeout
        self.exchange = exchange  # the bridge's exchange folder, or None: all by socket

    @classmethod
    def from_connection(cls, info: dict) -> Client:
        name = info.get("exchange")
        folder = None  # only a plain folder name inside the runtime folder is followed
        if isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_-]+", name):
            folder = runtime_dir() / name
            if not folder.is_dir():
                folder = None
        return cls(info["port"], info["token"], exchange=folder)

    def request(
        self, method: str, path: str, body: bytes | list | None = None, query: dict | None = None
    ) -> tuple[int, dict, bytes]:
        """(status, headers, body); :class:`BridgeError` for an error answer or no answer."""
        return self._exchange(method, path, body, query, layer=False)  # type: ignore[return-value]

    def layer(
        self, method: str, path: str, body: bytes | list | None = None, query: dict | None = None
    ) -> tuple[dict, bytes]:
        """(header, samples) of an answer that is a layer message, its samples read straight
        into one ``bytes`` (no joined body, no copy to cut the header off: a 12 MP float
        result is 192 MB, and both hosts take bytes as they are)."""
        return self._exchange(method, path, body, query, layer=True)  # type: ignore[return-value]

    def _exchange(self, method, path, body, query, layer):
        if query:
            path += "?" + urllib.parse.urlencode(query)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Authorization": f"Bearer {self.token}", "Host": f"127.0.0.1:{self.port}"}
        if isinstance(body, list):  # pieces of one body (parts()): sent without joining
            body = [memoryview(p).cast("B") for p in body]
            headers["Content-Length"] = str(sum(p.nbytes for p in body))
        if body is not None:
            headers["Content-Type"] = "application/octet-stream"
        sent_file = None
        if (
            self.exchange is not None
            and isinstance(body, list)
            and int(headers["Content-Length"]) >= FILE_MIN_BYTES
        ):
            sent_file = self._write_body(body)
            if sent_file is not None:
                headers[BODY_FILE_HEADER] = sent_file.name
                headers["Content-Length"] = "0"
                body = None
        if layer and self.exchange is not None:
            headers[REPLY_FILE_HEADER] = "file"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            status = resp.status
            if layer and status < 400:
                if resp.getheader("Content-Type", "") == FILE_ANSWER_TYPE:
                    return self._read_answer_file(json.loads(resp.read().decode("utf-8")))
                return _read_layer(resp)
            data = resp.read()
            resp_headers = {k.lower(): v for k, v in resp.getheaders()}
        except (OSError, http.client.HTTPException) as exc:
            raise BridgeError(
                f"HDR Studio bridge not reachable on port {self.port}: {exc}"
            ) from None
        except ValueError as exc:
            raise BridgeError(f"HDR Studio bridge sent a bad layer message: {exc}") from None
        finally:
            conn.close()
            if sent_file is not None:  # the bridge removes what it read; this is the rest
                _remove(sent_file)
        if status >= 400:
            try:
                message = json.loads(data.decode("utf-8"))["error"]
            except (ValueError, KeyError, TypeError):
                message = data.decode("utf-8", "replace")[:200] or f"HTTP {status}"
            raise BridgeError(message, status)
        return status, resp_headers, data

    def _write_body(self, pieces: list) -> Path | None:
        """The body's pieces written to a new private file in the exchange folder (None
        when that fails: the body then goes through the socket)."""
        assert self.exchange is not None
        path = self.exchange / f"{secrets.token_hex(16)}.in"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            return None
        try:
            with os.fdopen(fd, "wb") as f:
                for piece in pieces:
                    f.write(piece)
        except OSError:
            _remove(path)
            return None
        return path

    def _read_answer_file(self, info: Any) -> tuple[dict, bytes]:
        """(header, samples) of a layer answer the bridge wrote to the exchange folder;
        the file is removed once read."""
        name = info.get("file") if isinstance(info, dict) else None
        if self.exchange is None or not isinstance(name, str) or not EXCHANGE_NAME.fullmatch(name):
            raise ValueError(f"bad answer file {name!r}")
        path = self.exchange / name
        try:
            with open(path, "rb") as f:
                return _read_layer(_FileAnswer(f, int(info.get("length", -1))))
        finally:
            _remove(path)

    def json(self, method: str, path: str, body: bytes | list | None = None, query=None):
        return json.loads(self.request(method, path, body, query)[2].decode("utf-8"))

    # --- the API -------------------------------------------------------------------------
    def health(self) -> dict:
        return self.json("GET", "/v1/health")

    def models(self) -> list[dict]:
        return self.json("GET", "/v1/models")["methods"]

    def analyse(self, layer: dict, data: bytes, **params) -> tuple[dict, bytes]:
        """Clipping statistics and the overlay (RGBA u8 unless ``sample``/``order`` say else)."""
        return self.layer("POST", "/v1/analyse", parts(layer, data), params)

    def submit(self, layer: dict, data: bytes, request: dict) -> str:
        """Start a reconstruction job; returns its id."""
        header = dict(layer, request=request)
        return self.json("POST", "/v1/jobs", parts(header, data))["id"]

    def job(self, job_id: str) -> dict:
        return self.json("GET", f"/v1/jobs/{job_id}")

    def cancel(self, job_id: str) -> None:
        try:
            self.request("DELETE", f"/v1/jobs/{job_id}")
        except BridgeError as exc:
            if exc.status != 404:
                raise

    def forget(self, job_id: str, wait: float = 30.0) -> None:
        """Cancel a job and drop it from the bridge once it has ended, its result freed: for
        a host that no longer wants it (Cancel pressed as the result arrived). Waits up to
        ``wait`` seconds for a running job to stop; a bridge gone or a job already dropped
        is not an error."""
        deadline = time.monotonic() + wait
        with contextlib.suppress(BridgeError):
            self.cancel(job_id)  # a finished job is dropped here; an active one stops
            while time.monotonic() < deadline:
                status = self.json("GET", f"/v1/jobs/{job_id}", query={"wait": "2"})
                if status["state"] not in ("queued", "running"):
                    self.cancel(job_id)
                    return

    def result(self, job_id: str, **conversion) -> tuple[dict, bytes]:
        """The finished job's pixels (``sample``, ``order``, ``transfer``, ``primaries``)."""
        return self.layer("GET", f"/v1/jobs/{job_id}/result", query=conversion)

    def reconstruct(self, layer, data, request, progress=None, cancelled=None, **conversion):
        """Submit, wait (``progress(fraction, message)``; ``cancelled()`` true → cancel),
        fetch and release a job: (job status, result header, samples)."""
        job_id = self.submit(layer, data, request)
        status = self.wait(job_id, progress, cancelled, "/v1/jobs/")
        try:
            if status["state"] != "done":
                raise BridgeError(status.get("error") or f"job {status['state']}")
            header, pixels = self.result(job_id, **conversion)
        finally:
            self.cancel(job_id)  # frees the result on the bridge
        return status, header, pixels

    def wait(self, item_id, progress=None, cancelled=None, prefix="/v1/jobs/", poll=0.2):
        """Poll a job or app session until it ends (each poll also tells the bridge that
        this client is still there); cancels it when ``cancelled()`` turns true (the
        answer's state is then ``cancelled``, whatever the bridge still does with it)."""
        pause = min(0.02, poll)  # a short job is seen done at once; a long one is polled
        query = None  # the first status at once (a cancel asked already is seen before
        while True:  # the job ends), then long polls (the bridge counts a client silent
            # for 10 s as gone): a job's status answers when the job ends or after ``poll``
            # seconds; a bridge that does not (no "waited") is polled with pauses
            try:
                status = self.json("GET", prefix + item_id, query=query)
            except BridgeError as exc:
                if exc.status:  # the bridge answered
                    raise
                raise BridgeError(  # it answered the request that started the job
                    "the HDR Studio bridge stopped before the job ended (stopped, or it "
                    f"crashed: {exc}); nothing was changed: try again"
                ) from None
            if prefix == "/v1/jobs/":
                query = {"wait": f"{poll:g}"}
            if progress is not None and "progress" in status:
                progress(float(status["progress"]), status.get("message", ""))
            if status["state"] not in ("queued", "running", "open"):
                return status
            if cancelled is not None and cancelled():
                self.request("DELETE", prefix + item_id)
                final = self.json("GET", prefix + item_id)
                if final["state"] in ("queued", "running", "open"):  # stopping: done with it
                    final = dict(final, state="cancelled")
                return final
            if "waited" not in status:
                time.sleep(pause)
                pause = min(pause * 2, poll)

    def open_in_app(self, layer: dict, data: bytes, name: str) -> str:
        """Send a layer to the desktop app (started by the bridge); returns the session id."""
        header = dict(layer, name=name)
        return self.json("POST", "/v1/sessions", parts(header, data))["id"]

    def session_result(self, session_id: str, **conversion) -> tuple[dict, bytes]:
        return self.layer("GET", f"/v1/sessions/{session_id}/result", query=conversion)


def _answering() -> Client | None:
    """A client of the bridge the connection file names, if that bridge answers; a bridge
    that answers but refuses the file's token is an error at once (waiting cannot help)."""
    info = read_connection()
    if info is None:
        return None
    client = Client.from_connection(info)
    client.timeout = 5.0
    try:
        client.health()
    except BridgeError as exc:
        if exc.status == 401:
            raise BridgeError(
                f"the HDR Studio bridge on port {info['port']} (pid {info['pid']}) refused the "
                f"token in {runtime_dir() / CONNECTION_FILE}: stop that bridge (hdr-studio "
                "bridge stop) and try again",
                401,
            ) from None
        return None
    client.timeout = 120.0
    return client


def _last_line(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace").strip().splitlines()[-1]
    except (OSError, IndexError):
        return ""


def connect(start: bool = True, timeout: float = 60.0, command: list[str] | None = None) -> Client:
    """A client of the running bridge; when none runs and ``start``, start one (detached,
    exits by itself when idle) and wait for it to answer. Fails at once when the bridge
    refuses the connection file's token, and as soon as a started bridge has exited."""
    client = _answering()
    if client is not None:
        return client
    if not start:
        raise BridgeError("no HDR Studio bridge is running (start one: hdr-studio bridge serve)")
    command = command or find_command()
    if command is None:
        raise BridgeError(
            "HDR Studio not found: run 'hdr-studio plugins install' again from the HDR Studio "
            "you want the plug-in to use (or set HDR_STUDIO_COMMAND)"
        )
    runtime_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    output = folder / "bridge-start.log"  # what a bridge prints before its own log starts
    try:
        with open(output, "wb") as log:
            proc = subprocess.Popen(
                [*command, "bridge", "serve"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
            )
    except OSError as exc:
        raise BridgeError(f"could not start HDR Studio ({command[0]}): {exc}") from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client = _answering()
        if client is not None:
            return client
        code = proc.poll()
        said = _last_line(output) if code is not None else ""
        if code == 1 and "already running" in said and read_connection() is None:
            # another bridge is starting: its connection file comes within seconds. Any
            # other failure (a broken install's traceback exits 1 too) is said at once.
            deadline = min(deadline, time.monotonic() + 15.0)
            code = None
        if code is not None and _answering() is None:
            raise BridgeError(
                f"HDR Studio bridge exited with status {code}"
                + (f": {said}" if said else "")
                + f" (log: {folder / 'bridge.log'})"
            )
        time.sleep(0.1)
    raise BridgeError(
        f"HDR Studio bridge did not answer within {timeout:.0f} s (log: {folder / 'bridge.log'})"
    )
