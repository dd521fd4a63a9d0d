"""Run a generator in a thread, so that making the next batch overlaps writing this one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


@dataclass(frozen=True)
class _Failed:
    error: BaseException


def in_background(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield what `items` yields, produced up to `depth` ahead in a worker thread.

    The worker only computes (it must not touch the database session); its exceptions are
    raised here. Leaving early stops the worker.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            put(_Failed(error))

    worker = threading.Thread(target=produce, name="demo-data-generator", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = queue.get(timeout=0.1)
            except Empty:
                if not worker.is_alive() and queue.empty():
                    raise RuntimeError("the generator thread stopped without a result") from None
                continue
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()
