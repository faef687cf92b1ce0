"""The interface stage 1 embeds keywords through, and how vectors are stored as bytes."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors, one row per text, in input order."""

    @property
    def model_id(self) -> str:
        """Names the vector space: vectors are stored per keyword under this ID, and only
        vectors of the same ID are ever compared."""
        ...

    @property
    def similarity_threshold(self) -> float:
        """The cosine at or above which a keyword joins a cluster, for this model's space."""
        ...

    @property
    def is_fallback(self) -> bool:
        """True for the lexical stand-in used when no embedding model is available."""
        ...

    async def embed(self, texts: list[str]) -> Vectors:
        """Raises `AIRetryableError` for transient faults, `AIItemError` for the rest."""
        ...

    async def aclose(self) -> None: ...


def normalise(vectors: npt.NDArray[np.floating]) -> Vectors:
    """Rows scaled to unit length (all-zero rows stay zero)."""
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    result: Vectors = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
    return result


def to_bytes(vector: npt.NDArray[np.float32]) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> npt.NDArray[np.float32]:
    return np.frombuffer(data, dtype="<f4")
