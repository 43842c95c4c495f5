"""Attachment text extracted in a separate process with a memory and time limit: one hostile
file (a zip bomb, a PDF that loops, a parser bug that eats memory) costs that process, never the
reindex. The process is long-lived and serves file after file; one that runs out of time or dies
is killed and the next file gets a new one."""
from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import resource
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import Connection

from analyzers.attachments import ExtractedText, extract_text
from analyzers.limits import AnalysisLimits

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask Linux to kill this process when its parent dies, even by kill -9: a killed reindex
    leaves no worker behind. Called first thing in every worker process zhengce starts."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the workers end when their pipe closes
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request took effect


@contextmanager
def worker_pool(count: int, fresh: bool = False) -> Iterator[ProcessPoolExecutor]:
    """A pool of `count` worker processes that die with this one.

    Forked (the default) they start in milliseconds and inherit what cannot be sent to them
    (site templates). They share the parent's memory until either writes to it, so the
    collector's objects are frozen first: a worker's collections would touch every object and
    copy its page. `fresh`: started as new interpreters instead, for work whose parent goes on
    writing to what it holds — pickling a million documents for the workers touches every one,
    and each page the parent writes stays private in each forked worker (1.7 GB each and
    growing, measured at a million) — at a cost of seconds to start."""
    if fresh:
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            yield pool
        return
    gc.freeze()
    try:
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"), initializer=die_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            yield pool
    finally:
        gc.unfreeze()


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 where /proc does not say)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _serve(connection: Connection, limits: AnalysisLimits, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    # The limit is on what the worker adds: a forked worker starts with its parent's address
    # space (index readers, thread arenas), which in a long-lived server can itself exceed it.
    memory = _address_space() + limits.attachment_memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    while True:
        try:
            url, body, content_type = connection.recv()
        except EOFError:
            return
        connection.send(extract_text(url, body, content_type, limits))


class IsolatedExtractor:
    """`extract(url, body, content_type)` → ExtractedText, in the worker process."""

    def __init__(self, limits: AnalysisLimits = AnalysisLimits()):
        self.limits = limits
        # fork: the worker starts in milliseconds with the parsers already imported, and works
        # wherever the parent was started from (spawn re-runs the main module: not from stdin).
        self._context = multiprocessing.get_context("fork")
        self._process = None
        self._connection: Connection | None = None

    def _start(self) -> None:
        ours, theirs = self._context.Pipe()
        self._process = self._context.Process(target=_serve, args=(theirs, self.limits, os.getpid()), daemon=True)
        self._process.start()
        theirs.close()
        self._connection = ours

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
        if self._connection is not None:
            self._connection.close()
        self._process = self._connection = None

    def extract(self, url: str, body: bytes, content_type: str = "") -> ExtractedText:
        if len(body) > self.limits.attachment_bytes:  # not worth a process: refused by size alone
            return extract_text(url, body, content_type, self.limits)
        if self._process is None or not self._process.is_alive():
            self._stop()
            self._start()
        try:
            self._connection.send((url, body, content_type))
            if self._connection.poll(self.limits.attachment_seconds):
                return self._connection.recv()
            reason = f"提取超过 {self.limits.attachment_seconds:g} 秒，已跳过"
        except (EOFError, OSError):
            reason = (f"提取进程异常退出（可能超过 {self.limits.attachment_memory_bytes // 1024 // 1024} MB"
                      " 内存限制），已跳过")
        self._stop()
        return ExtractedText("", reason)

    def close(self) -> None:
        self._stop()

    def __enter__(self) -> "IsolatedExtractor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
