"""The bridge: a local HTTP server (127.0.0.1 only) that owns the engine for the GIMP and
Krita plug-ins and the app round trip. Every request carries the per-start token; requests
whose Host is not a loopback name, or that come from a web page (an Origin header), are
refused. It reads no path a client names and writes no file but its connection file and,
in its private exchange folder, the large layer messages a client asks to have as files
(:mod:`hdr_studio.bridge.exchange`: names it checks, files it removes).

Routes: the one table in :mod:`hdr_studio.bridge.routes` (documented in
``plugins/PROTOCOL.md`` and served as OpenAPI at ``/v1/openapi.json``): health, models,
analyse, preview, jobs (submit, status, cancel, result), sessions (the app round trip),
shutdown. A running bridge logs to :func:`hdr_studio.bridge.log.log_path` (never its token).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import signal
import threading
import time
import urllib.parse
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hdr_studio import __version__
from hdr_studio.api.catalogue import UnavailableMethodError, UnknownMethodError, catalogue
from hdr_studio.api.errors import HdrStudioError, OutputError
from hdr_studio.api.memory import hold_heap, trim_heap
from hdr_studio.bridge import exchange
from hdr_studio.bridge.client import (
    BODY_FILE_HEADER,
    FILE_ANSWER_TYPE,
    PROTOCOL,
    REPLY_FILE_HEADER,
)
from hdr_studio.bridge.connection import (
    SingleInstance,
    new_token,
    private_dir,
    remove_connection,
    write_connection,
)
from hdr_studio.bridge.jobs import JobManager, QueueFull
from hdr_studio.bridge.limits import Limits
from hdr_studio.bridge.log import log_path, redact, start_file_log
from hdr_studio.bridge.openapi import openapi_document
from hdr_studio.bridge.pixels import PixelWork
from hdr_studio.bridge.queries import HttpError, number
from hdr_studio.bridge.routes import LAYER_TYPE, NoRoute, match
from hdr_studio.bridge.sessions import SessionManager

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_WAIT = 2.0  # the longest a status request waits for a job's end (s)
#: How long the bridge keeps the memory its jobs freed once they stop coming (s): an
#: editor's actions come seconds apart, and memory given back between them is faulted in
#: afresh by the next job (bench/RESULTS.md, "fourth pass"); then it goes back.
HEAP_HOLD_SECONDS = 20.0
log = logging.getLogger(__name__)


_STATUS_OF = {UnknownMethodError: 404, UnavailableMethodError: 409, QueueFull: 503}


class Bridge:
    """The server's state: limits, token, jobs, round-trip sessions, activity clock."""

    def __init__(self, limits: Limits | None = None, token: str | None = None, app_command=None):
        self.limits = limits or Limits()
        self.token = token or new_token()
        redact(self.token)
        self.pixels = PixelWork(self.limits)  # reading, answering, analysis, previews
        self.jobs = JobManager(self.limits.running, self.limits.queue, self.limits.client_timeout)
        self.sessions = SessionManager(app_command, self.limits.client_timeout)
        self.last_activity = time.monotonic()
        self.server: ThreadingHTTPServer | None = None
        self.log_file = ""  # where this bridge logs ("" when it does not: in-process tests)
        self.exchange: Path | None = None  # the exchange folder, when files are served

    # --- life ------------------------------------------------------------------------------
    def busy(self) -> bool:
        return self.jobs.active() > 0 or self.sessions.active() > 0

    def idle_watch(self) -> None:
        swept = time.monotonic()
        trimmed = True  # nothing held yet
        while self.server is not None:
            time.sleep(1.0)
            if self.exchange is not None and time.monotonic() - swept > 10.0:
                exchange.sweep(self.exchange)
                swept = time.monotonic()
            if self.busy():
                self.last_activity = time.monotonic()
            quiet = time.monotonic() - self.last_activity
            if quiet < HEAP_HOLD_SECONDS:
                trimmed = False
            elif not trimmed:  # the jobs have stopped: the held heap goes back
                trim_heap()
                trimmed = True
            if not self.busy() and quiet > self.limits.idle_timeout:
                log.info("idle for %g s: stopping", self.limits.idle_timeout)
                self.stop()
                return

    def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            self.jobs.close()
            self.sessions.shutdown()
            threading.Thread(target=server.shutdown, daemon=True).start()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"hdr-studio-bridge/{__version__}"
    bridge: Bridge  # set on the subclass the server makes

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no access log on stderr (a plug-in's host shows it to nobody)

    # --- framing ---------------------------------------------------------------------------
    def _send(self, status: int, body, ctype: str = "application/json") -> None:
        """``body``: bytes, or a list of buffers sent one after the other (a layer)."""
        pieces = [memoryview(p).cast("B") for p in body] if isinstance(body, list) else [body]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(sum(len(p) for p in pieces)))
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            for piece in pieces:
                self.wfile.write(piece)

    def _send_layer(self, status: int, pieces: list) -> None:
        """A layer answer: through the socket, or as a file in the exchange folder when the
        client asked for one and this bridge has the folder."""
        folder = self.bridge.exchange
        if folder is None or self.headers.get(REPLY_FILE_HEADER) != "file":
            self._send(status, pieces, LAYER_TYPE)
            return
        name, length = exchange.write_answer(folder, pieces)
        answer = json.dumps({"file": name, "length": length}).encode("utf-8")
        self._send(status, answer, FILE_ANSWER_TYPE)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode("utf-8"))

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message.splitlines()[0] if message else f"HTTP {status}"})

    def _check_client(self) -> None:
        host = self.headers.get("Host")
        if host is None:
            raise HttpError(400, "missing Host header")
        name = host.strip()
        name = name[1:].split("]")[0] if name.startswith("[") else name.rsplit(":", 1)[0]
        if name.lower() not in LOOPBACK_HOSTS:
            raise HttpError(403, f"refused: Host {host!r} is not a loopback name")
        if self.headers.get("Origin") is not None:
            raise HttpError(403, "refused: requests from web pages are not served")
        auth = self.headers.get("Authorization", "")
        given = auth[7:] if auth.startswith("Bearer ") else ""
        if not hmac.compare_digest(given.encode(), self.bridge.token.encode()):
            raise HttpError(401, "missing or wrong token (see the bridge's connection file)")

    def _body(self) -> bytes | bytearray:
        name = self.headers.get(BODY_FILE_HEADER)
        if name is not None:
            if self.headers.get("Content-Length") not in (None, "0"):
                self.close_connection = True
                raise HttpError(400, f"{BODY_FILE_HEADER} with a body: send one or the other")
            if self.bridge.exchange is None:
                raise HttpError(400, "this bridge takes no body files (send the body)")
            return exchange.read_body(self.bridge.exchange, name, self.bridge.limits.body_limit)
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise HttpError(411, "send the body with a Content-Length (no chunked encoding)")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            self.close_connection = True
            raise HttpError(400, f"bad Content-Length {length!r}") from None
        if n < 0:
            self.close_connection = True
            raise HttpError(400, f"bad Content-Length {length!r}")
        if n > self.bridge.limits.body_limit:
            self.close_connection = True
            raise HttpError(
                413, f"body of {n} bytes is over the limit of {self.bridge.limits.body_limit} bytes"
            )
        self.connection.settimeout(self.bridge.limits.request_timeout)
        buf = bytearray(n)
        view, got = memoryview(buf), 0
        try:
            while got < n:
                k = self.rfile.readinto(view[got:])
                if not k:
                    break
                got += k
        except TimeoutError:
            self.close_connection = True
            limit = self.bridge.limits.request_timeout
            raise HttpError(408, f"body not received within {limit:g} s") from None
        if got < n:
            self.close_connection = True
            raise HttpError(400, f"body ended after {got} of {n} bytes")
        return buf

    def _handle(self) -> None:
        self.bridge.last_activity = time.monotonic()
        t0 = time.perf_counter()
        self.route_quiet = False
        status, reason = 0, ""
        path = urllib.parse.urlsplit(self.path).path
        try:
            self._check_client()
            url = urllib.parse.urlsplit(self.path)
            query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
            status = self._route(self.command, url.path, query)
        except (HttpError, UnknownMethodError, UnavailableMethodError, QueueFull) as exc:
            status = getattr(exc, "status", None) or _STATUS_OF[type(exc)]
            reason = str(exc)
        except HdrStudioError as exc:
            status, reason = 400, str(exc)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            status, reason = 499, "client closed the connection"
        except Exception as exc:  # never a traceback to the client, never a dead server
            log.exception("internal error serving %s %s", self.command, path)
            self.close_connection = True
            status, reason = 500, f"internal error: {exc!r}"
        finally:
            self.bridge.last_activity = time.monotonic()
        if reason and status != 499:
            self._error(status, reason)
        took = (time.perf_counter() - t0) * 1000
        if status >= 400:
            log.warning("%s %s %d %.1f ms: %s", self.command, path, status, took, reason)
        else:
            level = logging.DEBUG if self.route_quiet else logging.INFO
            log.log(level, "%s %s %d %.1f ms", self.command, path, status, took)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = _handle
    do_OPTIONS = do_TRACE = do_CONNECT = _handle  # answered 405 (no CORS pre-flight either)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        """The standard library's own refusals (a bad request line, an unknown verb, headers
        too long) as one JSON line like every other error; an unknown verb is 405."""
        if code == 501:
            code = 405
        self.close_connection = True
        with contextlib.suppress(OSError):
            self._error(code, message or self.responses.get(code, ("error",))[0])

    # --- routes (the table in hdr_studio.bridge.routes) -----------------------------------
    def _route(self, verb: str, path: str, query: dict[str, str]) -> int:
        """Serve one request from the route table; returns the status sent."""
        body = b""
        if verb in ("POST", "PUT", "PATCH"):
            body = self._body()
        elif self.headers.get("Content-Length") not in (None, "0"):
            self._body()  # a GET with a body: read it so the connection stays in step
        try:
            route, params = match(verb, path)
        except NoRoute as exc:
            raise HttpError(exc.status, str(exc)) from None
        self.route_quiet = route.quiet
        status, answer = getattr(self, route.handler)(query, body, **params)
        if route.answer == "layer":
            self._send_layer(status, answer)
        else:
            self._json(status, answer)
        return status

    def health(self, query: dict, body: bytes) -> tuple[int, dict]:
        from hdr_studio.api.catalogue import device_line

        return 200, {
            "status": "ok",
            "version": __version__,
            "protocol": PROTOCOL,
            "device": device_line(),
            "jobs": self.bridge.jobs.active(),
            "log": self.bridge.log_file,
        }

    def openapi(self, query: dict, body: bytes) -> tuple[int, dict]:
        return 200, openapi_document(__version__)

    def models(self, query: dict, body: bytes) -> tuple[int, dict]:
        return 200, {"methods": [m.to_dict() for m in catalogue()]}

    def analyse(self, query: dict, body: bytes) -> tuple[int, list]:
        return 200, self.bridge.pixels.analyse(body, query)

    def preview(self, query: dict, body: bytes) -> tuple[int, list]:
        return 200, self.bridge.pixels.preview(body, query)

    def submit(self, query: dict, body: bytes) -> tuple[int, dict]:
        b = self.bridge
        header, image, selection, fmt = b.pixels.layer_request(body)
        job = b.jobs.submit(b.pixels.reconstruct_request(header, image, selection))
        job.source = fmt
        return 202, job.status()

    def shutdown(self, query: dict, body: bytes) -> tuple[int, dict]:
        log.info("shutdown requested")
        threading.Timer(0.05, self.bridge.stop).start()  # after this answer is sent
        return 200, {"status": "stopping"}

    def _job(self, job_id: str):
        job = self.bridge.jobs.get(job_id)
        if job is None:
            raise HttpError(404, f"no job {job_id}")
        return job

    def job_status(self, query: dict, body: bytes, id: str) -> tuple[int, dict]:
        job = self._job(id)
        if "wait" in query:  # a long poll: answer when the job ends, or after that long
            seconds = number(query, "wait", 0.0, 0.0, MAX_WAIT)
            self.bridge.jobs.wait_end(job, seconds)
            return 200, dict(job.status(), waited=seconds)
        return 200, job.status()

    def job_cancel(self, query: dict, body: bytes, id: str) -> tuple[int, dict]:
        job = self.bridge.jobs.cancel(id)
        if job is None:
            raise HttpError(404, f"no job {id}")
        return 200, job.status()

    def job_result(self, query: dict, body: bytes, id: str) -> tuple[int, list]:
        job = self._job(id)
        if job.state != "done" or job.outcome is None:
            raise HttpError(409, f"job {id} is {job.state}, not done")
        o = job.outcome
        extra = {"method": o.method, "kind": o.kind.value, "label": o.metadata.get("label", "")}
        return 200, self.bridge.pixels.layer_response(o.image, o.pixels, query, extra, job.source)

    def _session(self, sid: str):
        session = self.bridge.sessions.get(sid)
        if session is None:
            raise HttpError(404, f"no session {sid}")
        return session

    def session_open(self, query: dict, body: bytes) -> tuple[int, dict]:
        header, image, _, fmt = self.bridge.pixels.layer_request(body)
        name = str(header.get("name", "Layer"))[:200]
        session = self.bridge.sessions.open(image, name, bytes(body))
        session.source = fmt
        return 201, session.status()

    def session_status(self, query: dict, body: bytes, id: str) -> tuple[int, dict]:
        return 200, self._session(id).status()

    def session_cancel(self, query: dict, body: bytes, id: str) -> tuple[int, dict]:
        self._session(id)
        return 200, self._closed(
            self.bridge.sessions.close(id, "cancelled", "cancelled by the host"), id
        )

    def session_input(self, query: dict, body: bytes, id: str) -> tuple[int, list]:
        return 200, [self._session(id).raw]  # the layer exactly as sent

    def session_deliver(self, query: dict, body: bytes, id: str) -> tuple[int, dict]:
        session = self._session(id)
        header, image, _, _ = self.bridge.pixels.layer_request(body)
        if image.primaries != session.image.primaries:  # kept in the layer's primaries
            from hdr_studio.api.display import convert_primaries

            image = replace(
                image,
                linear=convert_primaries(image.linear, image.primaries, session.image.primaries),
                primaries=session.image.primaries,
            )
        kind = str(header.get("kind", "hdr"))
        name = str(header.get("name", "HDR Studio"))[:200]
        self.bridge.sessions.deliver(id, image, name, kind)
        return 200, session.status()

    def session_result(self, query: dict, body: bytes, id: str) -> tuple[int, list]:
        session = self._session(id)
        if session.result is None:
            raise HttpError(409, f"session {id} is {session.state}: no result")
        res = session.result  # linear, in the layer's primaries (as delivered)
        extra = {"name": session.result_name, "kind": session.result_kind}
        return 200, self.bridge.pixels.layer_response(res, res.linear, query, extra, session.source)

    def session_close(self, query: dict, body: bytes, id: str) -> tuple[int, dict]:
        self._session(id)
        return 200, self._closed(self.bridge.sessions.close(id), id)

    @staticmethod
    def _closed(session, sid: str) -> dict:
        """A closed session's status; 404 when it went in the meantime (its lease ran out)."""
        if session is None:
            raise HttpError(404, f"no session {sid}")
        return session.status()


def make_server(bridge: Bridge, port: int = 0) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 (``port`` 0: a free one) bound to ``bridge``."""
    handler = type("BoundHandler", (Handler,), {"bridge": bridge})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    bridge.server = server
    return server


def serve(limits: Limits, port: int = 0, app_command: str | None = None, announce=print) -> int:
    """Run the bridge until it is stopped, idle, or signalled; 0, or 1 when one already runs."""
    lock = SingleInstance()
    if not lock.acquire():
        from hdr_studio.bridge.client import read_connection

        info = read_connection() or {}
        pid, port = info.get("pid", "?"), info.get("port", "?")
        announce(f"a bridge is already running (pid {pid}, port {port})")
        return 1
    try:
        logfile: object = start_file_log()
    except OSError as exc:  # a read-only state folder: serve without a log
        logfile = f"none ({log_path()}: {exc.strerror or exc})"
    hold_heap()  # before the bridge's threads: see HEAP_HOLD_SECONDS
    bridge = Bridge(limits, app_command=app_command)
    bridge.log_file = str(logfile)
    try:
        server = make_server(bridge, port)
    except OSError as exc:
        lock.release()
        bridge.jobs.close()
        log.error("cannot listen on 127.0.0.1:%s: %s", port, exc)
        raise OutputError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    real_port = server.server_address[1]
    try:
        bridge.exchange = exchange.make_folder(private_dir())
    except OSError as exc:  # layers then go through the socket only
        log.warning("no exchange folder (%s): layers go through the socket", exc)
    folder_name = exchange.FOLDER if bridge.exchange is not None else None
    path = write_connection(real_port, bridge.token, __version__, exchange=folder_name)

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        bridge.stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    threading.Thread(target=bridge.idle_watch, daemon=True).start()
    log.info(
        "bridge %s started on 127.0.0.1:%d (connection file %s; limits %s)",
        __version__,
        real_port,
        path,
        limits,
    )
    announce(
        f"HDR Studio bridge {__version__} on 127.0.0.1:{real_port} "
        f"(connection file {path}; log {logfile})"
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        bridge.stop()
        server.server_close()
        remove_connection()
        if bridge.exchange is not None:
            exchange.remove_folder(bridge.exchange)
        lock.release()
        log.info("bridge stopped")
    return 0
