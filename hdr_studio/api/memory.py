"""Giving memory back after a job: a long-running front end (the app, a batch worker) calls
this when a large job is done, so that the process does not keep its peak."""

from hdr_studio.core.memory import release_free_memory

__all__ = ["release_free_memory"]
