"""The local model loads from the installed packages, offline, and embeds by meaning."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from pressrun.embeddings import local
from pressrun.embeddings.local import LocalModelUnavailable, load_local_embedder

try:
    local.packaged_files()
    INSTALLED = True
    WHY = ""
except LocalModelUnavailable as missing:
    INSTALLED, WHY = False, str(missing)

needs_model = pytest.mark.skipif(not INSTALLED, reason=f"no local embedding model: {WHY}")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: the model must come from disk alone."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@needs_model
async def test_the_packaged_model_loads_and_embeds_offline(no_network: None) -> None:
    local._load.cache_clear()
    local.packaged_files.cache_clear()
    embedder = load_local_embedder()
    assert embedder.model_id == "all-MiniLM-L6-v2-int8" and not embedder.is_fallback
    vectors = await embedder.embed(
        ["running shoes", "sneakers for jogging", "credit score", "running shoes"]
    )
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    # Synonyms with no shared word are close; another topic is not.
    assert sims[0, 1] > embedder.similarity_threshold > sims[0, 2]
    assert np.allclose(vectors[0], vectors[3], atol=1e-6)
    # More texts than one inference call takes come back in order.
    many = await embedder.embed([f"keyword {i}" for i in range(150)])
    assert many.shape == (150, 384)


@needs_model
def test_files_are_checked_against_their_pinned_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    local.packaged_files.cache_clear()
    monkeypatch.setattr(local, "MODEL_SHA256", "0" * 64)
    with pytest.raises(LocalModelUnavailable, match="pinned sha256"):
        local.packaged_files()
    local.packaged_files.cache_clear()


def test_a_missing_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    local.packaged_files.cache_clear()
    monkeypatch.setattr(local, "_MODEL_PACKAGE", "no_such_package_here")
    with pytest.raises(LocalModelUnavailable, match=r"pressrun\[embeddings\]"):
        local.packaged_files()
    local.packaged_files.cache_clear()


@needs_model
async def test_a_model_directory_of_ones_own(tmp_path: Path) -> None:
    files = local.packaged_files()
    (tmp_path / "model.onnx").write_bytes(files.model.read_bytes())
    (tmp_path / "tokenizer.json").write_bytes(files.tokenizer.read_bytes())
    embedder = load_local_embedder(tmp_path)
    assert embedder.model_id.startswith(f"onnx:{tmp_path.name}:")
    assert (await embedder.embed(["espresso"])).shape == (1, 384)
    (tmp_path / "tokenizer.json").unlink()
    with pytest.raises(LocalModelUnavailable, match=r"no tokenizer\.json"):
        load_local_embedder(tmp_path)
