"""State this process keeps per database (per engine), dropped with the engine: the copies
of the chunk figures and what the dialogue rule owes each head. Tests open many databases in
one process; each must see only its own."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Engine

T = TypeVar("T")


class PerEngine(Generic[T]):
    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._states: weakref.WeakKeyDictionary[Engine, T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def of(self, engine: Engine) -> T:
        with self._lock:
            state = self._states.get(engine)
            if state is None:
                state = self._states[engine] = self._make()
            return state

    def clear(self) -> None:
        with self._lock:
            self._states.clear()
