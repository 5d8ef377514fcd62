"""The C heap (glibc's malloc) of a long-lived process: tuned for tiled inference inside a
job, handed back to the system between jobs — or, in a process that serves jobs in bursts
(the plug-ins' bridge), kept while the jobs come and handed back once they stop. No-ops off
glibc."""

from __future__ import annotations

import ctypes
import functools

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8

#: "held": hold_heap() was called, so release_free_memory() leaves the heap alone
_STATE = {"held": False}


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt  # noqa: B018  (glibc only)
        libc.malloc_trim  # noqa: B018
        return libc
    except (OSError, AttributeError):
        return None


@functools.cache
def tune_allocator() -> None:
    """Keep freed memory in glibc's heap instead of returning it to the kernel at once.

    Tiled CPU inference allocates and frees the same few activation sizes for every tile;
    by default glibc serves them with fresh mmaps that page-fault in each time. Raising the
    mmap threshold to its maximum (32 MiB) and the trim threshold to 512 MiB removed ~90 % of
    the page faults and 28 % of the wall time (bench/RESULTS.md). Long-lived processes call
    :func:`release_free_memory` after each job so the kept memory does not pile up."""
    libc = _libc()
    if libc is not None and not _STATE["held"]:
        libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)
        libc.mallopt(_M_TRIM_THRESHOLD, 512 * 1024 * 1024)


def hold_heap() -> bool:
    """Keep freed memory in this process, large blocks included, until :func:`trim_heap`.

    For a process that serves jobs in bursts (the bridge: an editor's actions seconds
    apart). Each 12 MP job allocates and frees a few hundred MB; given back to the kernel
    between jobs, it must be faulted in and zeroed afresh by the next one, which on a
    virtual machine that hands freed memory back to its host cost 0.3–0.9 s instead of
    0.06 s for the decode of one layer (bench/RESULTS.md). One arena (the job and request
    threads share the heap), no mmap for large blocks, no trimming below 2 GB of free top.
    Call it before the process starts its threads. True where it took effect (glibc)."""
    libc = _libc()
    if libc is None:
        return False
    libc.mallopt(_M_ARENA_MAX, 1)
    libc.mallopt(_M_MMAP_MAX, 0)
    libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
    _STATE["held"] = True
    return True


def trim_heap() -> None:
    """Return the heap's free memory to the system now, held or not."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def release_free_memory() -> None:
    """Return the heap's free memory to the system (glibc ``malloc_trim``): after a job in
    a process that lives on (the app, a batch worker). Nothing in a process that holds its
    heap (:func:`hold_heap`: the bridge trims once its jobs stop)."""
    if not _STATE["held"]:
        trim_heap()
