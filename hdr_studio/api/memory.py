"""Giving memory back after a job: a long-running front end (the app, a batch worker) calls
this when a large job is done, so that the process does not keep its peak; the bridge holds
its heap while jobs come and trims it once they stop."""

from hdr_studio.core.memory import hold_heap, release_free_memory, trim_heap

__all__ = ["hold_heap", "release_free_memory", "trim_heap"]
