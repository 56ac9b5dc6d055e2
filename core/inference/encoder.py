"""Contextual token vectors and sentence vectors with all-MiniLM-L6-v2 (ONNX).

The ONNX file (see models/build_encoder.py) returns, for a padded batch, every
layer's token vectors (embeddings + 6 layers) and the mean-pooled sentence
vector, both plain and L2-normalised (what sentence-transformers calls the
embedding). Padding never changes a sentence's vectors.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..progress import Job, Progress, run_sync
from .model import OnnxModel
from .tokenizer import Token, Tokenizer


@dataclass(frozen=True)
class EncodedSentence:
    text: str
    tokens: list[Token]  # [CLS] ... [SEP]
    layers: np.ndarray | None  # (layers + 1, n_tokens, width); None when not asked for
    mean_pooled: np.ndarray  # (width,)
    vector: np.ndarray  # (width,) unit length: the sentence vector


class SentenceEncoder(OnnxModel):
    kind = "sentence-encoder"

    def __init__(self, model_dir: str | Path, manifest: dict, **runtime) -> None:
        super().__init__(model_dir, manifest, **runtime)
        self.width = self.setting("config", "hidden_size")
        self.n_layers = self.setting("config", "n_layers")
        self.pad_id = self.setting("tokenizer", "pad_id", default=0)
        self.tokenizer = Tokenizer(self.file("tokenizer"))

    def run_batch(self, id_lists: list[list[int]], outputs=("hidden_states", "mean_pooled", "sentence_embedding")):
        """One padded pass; returns the named outputs and the attention mask."""
        width = max(len(ids) for ids in id_lists)
        ids = np.full((len(id_lists), width), self.pad_id, np.int64)
        mask = np.zeros((len(id_lists), width), np.int64)
        for i, row in enumerate(id_lists):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return self.run(outputs, {"input_ids": ids, "attention_mask": mask}), mask

    def encode(self, sentences: list[str], *, batch_size: int = 32, layers: bool = True) -> Job[list[EncodedSentence]]:
        """Encode sentences in batches of similar length (a job); results keep the input order."""
        sentences = list(sentences)
        if not sentences:
            return []
        toks = [self.tokenizer.encode(s) for s in sentences]
        order = sorted(range(len(sentences)), key=lambda i: len(toks[i]))
        outs = (
            ("hidden_states", "mean_pooled", "sentence_embedding") if layers else ("mean_pooled", "sentence_embedding")
        )
        results: list[EncodedSentence | None] = [None] * len(sentences)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            res, mask = self.run_batch([[t.id for t in toks[i]] for i in idx], outs)
            for j, i in enumerate(idx):
                n = int(mask[j].sum())
                results[i] = EncodedSentence(
                    text=sentences[i],
                    tokens=toks[i],
                    layers=res["hidden_states"][:, j, :n] if layers else None,
                    mean_pooled=res["mean_pooled"][j],
                    vector=res["sentence_embedding"][j],
                )
            done = min(start + batch_size, len(order))
            yield Progress(done / len(order), f"encoded {done}/{len(order)} sentences")
        return results

    def embed(self, sentences: list[str], *, batch_size: int = 32) -> np.ndarray:
        """Unit-length sentence vectors, (n, width) float32 (synchronous)."""
        if not sentences:
            return np.zeros((0, self.width), np.float32)
        encoded = run_sync(self.encode(sentences, batch_size=batch_size, layers=False))
        return np.stack([e.vector for e in encoded]).astype(np.float32)
