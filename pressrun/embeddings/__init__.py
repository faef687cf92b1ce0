"""Keyword embeddings behind one interface: a local ONNX sentence model, an OpenAI-compatible
`/v1/embeddings` endpoint, or the lexical fallback when no model is installed."""
