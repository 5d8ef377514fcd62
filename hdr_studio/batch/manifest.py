"""The batch manifest in the output folder: for each output, the input content, settings and
model weights it was made from, so ``--resume`` skips exactly the photos whose output is
still current and redoes anything that changed."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdr_studio.api.errors import OutputError

NAME = ".hdr-studio-batch.json"
VERSION = 1


def settings_key(settings: dict[str, Any]) -> str:
    """A stable digest of the settings that decide an output's pixels and format."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Manifest:
    folder: Path
    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = folder / NAME
        try:
            data = json.loads(path.read_text())
            items = data["items"] if data.get("version") == VERSION else {}
        except (OSError, ValueError, KeyError, TypeError):
            items = {}  # none yet, or unreadable: everything counts as not done
        return cls(folder, dict(items))

    def current(self, output: Path, input_sha: str, settings: str, weights: str) -> bool:
        """Whether ``output`` exists and was made from this input, settings and weights."""
        entry = self.items.get(str(output))
        return (
            entry is not None
            and (self.folder / output).is_file()
            and entry.get("input_sha256") == input_sha
            and entry.get("settings") == settings
            and entry.get("weights") == weights
        )

    def record(self, output: Path, source: Path, input_sha: str, settings: str, weights: str):
        self.items[str(output)] = {
            "input": str(source),
            "input_sha256": input_sha,
            "settings": settings,
            "weights": weights,
            "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }

    def save(self) -> None:
        """Write atomically (a batch stopped half-way leaves the previous manifest whole)."""
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".batch.", suffix=".json", dir=self.folder)
            with os.fdopen(fd, "w") as fh:
                json.dump({"version": VERSION, "items": self.items}, fh, indent=1, sort_keys=True)
            os.replace(tmp, self.folder / NAME)
            tmp = None
        except OSError as exc:  # a full disk, a folder gone read-only
            why = (exc.strerror or str(exc)).lower()
            where = self.folder / NAME
            raise OutputError(f"{where}: cannot save the batch record ({why})") from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
