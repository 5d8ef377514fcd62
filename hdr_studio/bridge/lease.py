"""Leases: what the bridge holds for a client (a reconstruction job, an app round trip)
lives while that client keeps asking about it. Each request about an item renews its lease;
an active item whose client has been silent for ``timeout`` seconds is given up (a plug-in
that crashed or was killed costs nothing), and a finished one is dropped after ``keep``
seconds unless collected."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar


def new_id() -> str:
    """A random id of 16 hex digits (the routes' ``{id}``)."""
    return secrets.token_hex(8)


@dataclass(eq=False, kw_only=True)
class Leased:
    """Something held for a client: its id, when the client last asked about it, and when
    it finished (None while it is active)."""

    id: str = field(default_factory=new_id)
    seen: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def touch(self) -> None:
        self.seen = time.monotonic()

    def silent_for(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.seen


T = TypeVar("T", bound=Leased)


class Leases(Generic[T]):
    """Items by id under one lock, with their leases.

    ``timeout``: seconds of silence after which an active item's client counts as gone;
    ``keep``: seconds a finished item is kept for its client to collect (None: until
    removed). ``lock``: the lock to share with the owner (a job queue's condition)."""

    def __init__(
        self, timeout: float, keep: float | None = None, lock: threading.Condition | None = None
    ) -> None:
        self.timeout, self.keep = timeout, keep
        self.lock = lock or threading.Condition(threading.RLock())
        self._items: dict[str, T] = {}

    def add(self, item: T) -> T:
        with self.lock:
            self._items[item.id] = item
        return item

    def get(self, item_id: str, touch: bool = True) -> T | None:
        """The item, its lease renewed (``touch``); None when unknown."""
        with self.lock:
            item = self._items.get(item_id)
            if item is not None and touch:
                item.touch()
            return item

    def remove(self, item_id: str) -> T | None:
        with self.lock:
            return self._items.pop(item_id, None)

    def __iter__(self) -> Iterator[T]:
        with self.lock:
            return iter(list(self._items.values()))

    def expired(self, now: float | None = None) -> tuple[list[T], list[T]]:
        """(active items whose client is gone, finished items past ``keep``); the caller
        decides what giving each up means (and holds :attr:`lock` while it does)."""
        now = time.monotonic() if now is None else now
        gone, stale = [], []
        with self.lock:
            for item in self._items.values():
                if item.finished is None:
                    if item.silent_for(now) > self.timeout:
                        gone.append(item)
                elif self.keep is not None and now - item.finished > self.keep:
                    stale.append(item)
        return gone, stale


__all__ = ["Leased", "Leases", "new_id"]
