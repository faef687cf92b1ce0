"""The fallback embedder when no model is installed: word stems and character 3-grams, hashed.

It is the lexical similarity pressrun always had, as vectors: the dot product of two of them is
0.65 x the cosine of their word stems + 0.35 x the cosine of their stems' 3-grams, so it knows
plurals and spellings but not synonyms. Feature hashing keeps the vectors a fixed size.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from pressrun.ai.text import content_stems
from pressrun.embeddings.base import Vectors

LEXICAL_MODEL_ID = "lexical-stems-3grams-v1"
# The share of the word-stem cosine in the blend (the rest is 3-grams), as the offline
# clusterer weighed them.
_WORD_SHARE = 0.65
_WORD_DIMS, _GRAM_DIMS = 256, 768
# Chosen once on the tuning split of benchmarks/data (`python -m benchmarks.clustering
# --tune`), never on the test split.
LEXICAL_THRESHOLD = 0.34


def _bucket(feature: str, dims: int) -> tuple[int, float]:
    """Signed feature hashing: a stable bucket and a sign, so collisions cancel on average."""
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dims, 1.0 if (value >> 63) & 1 else -1.0


def _grams(stems: list[str]) -> list[str]:
    grams: list[str] = []
    for s in stems:
        padded = f"#{s}" if len(s) > 1 else f"#{s}#"
        grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def _hashed(features: list[str], dims: int) -> np.ndarray:
    vector = np.zeros(dims, dtype=np.float32)
    for feature in features:
        index, sign = _bucket(feature, dims)
        vector[index] += sign
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def lexical_vector(text: str) -> np.ndarray:
    stems = content_stems(text)
    words = _hashed(stems, _WORD_DIMS) * math.sqrt(_WORD_SHARE)
    grams = _hashed(_grams(stems), _GRAM_DIMS) * math.sqrt(1 - _WORD_SHARE)
    return np.concatenate([words, grams])


class LexicalEmbedder:
    def __init__(self, *, threshold: float = LEXICAL_THRESHOLD) -> None:
        self.model_id = LEXICAL_MODEL_ID
        self.similarity_threshold = threshold
        self.is_fallback = True

    async def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, _WORD_DIMS + _GRAM_DIMS), dtype=np.float32)
        return np.vstack([lexical_vector(t) for t in texts]).astype(np.float32)

    async def aclose(self) -> None:
        return None
