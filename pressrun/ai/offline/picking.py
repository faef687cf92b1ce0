"""Deterministic choice: picks drawn from a hash of the input, so offline output never varies."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class HashPicker:
    """Choices drawn from a SHA-256 stream seeded by the input, so output never varies by run."""

    def __init__(self, *seed_parts: object) -> None:
        self._seed = "\x1f".join(str(p) for p in seed_parts).encode()
        self._counter = 0

    def integer(self) -> int:
        self._counter += 1
        digest = hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
        return int.from_bytes(digest[:8], "big")

    def below(self, n: int) -> int:
        return self.integer() % n if n > 0 else 0

    def choice(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        keyed = sorted((self.integer(), i) for i in range(len(items)))
        return [items[i] for _, i in keyed]


class SentenceDeck(Generic[T]):
    """Deals templates in a shuffled order, reshuffling only once the whole deck has been dealt."""

    def __init__(self, templates: Sequence[T], picker: HashPicker) -> None:
        self._templates = templates
        self._picker = picker
        self._queue: list[T] = []
        self._last: T | None = None

    def deal(self) -> T:
        if not self._queue:
            self._queue = self._picker.shuffled(self._templates)
            if len(self._queue) > 1 and self._queue[-1] == self._last:
                self._queue[0], self._queue[-1] = self._queue[-1], self._queue[0]
        self._last = self._queue.pop()
        return self._last
