"""One crawl (and one reindex) at a time per data directory, across processes: an advisory
lock on a file in the data directory, released by the kernel however the holder ends."""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class Busy(RuntimeError):
    """Another process holds the lock; the message names it."""


@contextmanager
def exclusive(data_dir: Path, job: str, wait: bool = False) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"{job}.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise Busy(f"another {job} is running in {data_dir} (process {holder}): wait for it to end,"
                       f" or run with --wait") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
