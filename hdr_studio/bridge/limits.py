"""What one request to the bridge may ask for, how many jobs run and wait, and when a client
or the bridge itself counts as gone: the defaults ``hdr-studio bridge serve`` offers and the
server enforces (a light module: ``--help`` reads it without loading the server)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Limits:
    """What one request may ask for (413 above), how long reading it may take, how many
    jobs run and wait, and when an idle bridge exits."""

    max_pixels: int = 100_000_000
    max_body: int = 0  # 0: what max_pixels of f32 RGBA need, plus 16 MiB of header
    request_timeout: float = 60.0
    running: int = 1
    queue: int = 8
    client_timeout: float = 10.0
    idle_timeout: float = 900.0

    @property
    def body_limit(self) -> int:
        return self.max_body or self.max_pixels * 16 + (16 << 20)
