"""Bytes kept out of a process's heap: written to an unlinked temporary file and read back
through a memory map.

A server keeps every policy's timeliness row (analyzers.timeliness): at a province's size,
gigabytes of JSON in each worker's heap. As pages of a file they are the kernel's, read when a
report selects them, shared with the disk cache and dropped under pressure, not anonymous
memory each worker holds. The file has no name from the start (nothing is left behind by a
killed process); TMPDIR says where it is (a disk, not a memory filesystem)."""
from __future__ import annotations

import mmap
import tempfile
import threading
from contextlib import contextmanager


class SpillError(RuntimeError):
    """The temporary folder cannot take the bytes: full, not writable, or missing."""


class Spill:
    """Append-only: `add` returns where the bytes are, `read` gives them back. Written by one
    thread while it is built, then read by any."""

    def __init__(self):
        with _said():
            self._file = tempfile.TemporaryFile(prefix="zhengce-spill-")
        self._size = 0
        self._map: mmap.mmap | None = None
        self._lock = threading.Lock()

    def add(self, data: bytes) -> tuple[int, int]:
        """(offset, length) of `data`."""
        offset = self._size
        with _said():
            self._file.write(data)
        self._size += len(data)
        return offset, len(data)

    def read(self, offset: int, length: int) -> bytes:
        mapped = self._map
        if mapped is None or len(mapped) < offset + length:
            with self._lock:  # mapped again only when written since: what was read stays valid
                if self._map is None or len(self._map) < offset + length:
                    with _said():
                        self._file.flush()
                    self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if self._size else None
                mapped = self._map
        return mapped[offset:offset + length] if mapped is not None else b""

    def __len__(self) -> int:
        """Bytes written."""
        return self._size


@contextmanager
def _said():
    try:
        yield
    except OSError as exc:
        raise SpillError(f"临时文件写入失败（{tempfile.gettempdir()}，由 TMPDIR 指定）：{exc.strerror or exc}") from exc
