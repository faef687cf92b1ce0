"""The lexical fallback: word stems and 3-grams as fixed-size vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pressrun.config import Settings
from pressrun.embeddings.factory import build_embedder
from pressrun.embeddings.lexical import LexicalEmbedder
from pressrun.embeddings.local import LocalModelUnavailable


async def test_plurals_and_spellings_are_close_other_topics_are_not() -> None:
    vectors = await LexicalEmbedder().embed(
        ["espresso machine", "espresso machines", "wireless mouse", "colour chart", "color chart"]
    )
    sims = vectors @ vectors.T
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert sims[0, 1] > 0.9 and sims[0, 2] < 0.2
    assert sims[3, 4] > LexicalEmbedder().similarity_threshold


def test_auto_falls_back_to_lexical_and_local_refuses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pressrun.embeddings import factory

    def missing(*args: object, **kwargs: object) -> None:
        raise LocalModelUnavailable("not installed here")

    monkeypatch.setattr(factory, "load_local_embedder", missing)
    fallback = build_embedder(Settings(data_dir=tmp_path, embeddings="auto"))
    assert fallback.is_fallback and fallback.model_id.startswith("lexical")
    try:
        build_embedder(Settings(data_dir=tmp_path, embeddings="local"))
    except LocalModelUnavailable as err:
        assert "not installed here" in str(err)
    else:
        raise AssertionError("embeddings=local must refuse to start without the model")
