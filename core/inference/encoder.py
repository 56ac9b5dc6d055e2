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

from ..errors import ModelCorruptError
from .runtime import OnnxModel, model_file, open_session
from ..progress import Job, Progress, run_sync
from .tokenizer import Token, Tokenizer


@dataclass(frozen=True)
class EncodedSentence:
    text: str
    tokens: list[Token]  # [CLS] ... [SEP]
    layers: np.ndarray | None  # (layers + 1, n_tokens, width); None when not asked for
    mean_pooled: np.ndarray  # (width,)
    vector: np.ndarray  # (width,) unit length: the sentence vector


class SentenceEncoder:
    def __init__(
        self,
        model_dir: str | Path,
        manifest: dict,
        *,
        preferred_provider: str | None = None,
        intra_op_threads: int | None = None,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.manifest = manifest
        self.name = manifest.get("name", self.model_dir.name)
        self.display_name = manifest.get("display_name", self.name)
        try:
            self.width = int(manifest["config"]["hidden_size"])
            self.n_layers = int(manifest["config"]["n_layers"])
            self.pad_id = int(manifest["tokenizer"].get("pad_id", 0))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelCorruptError(f"{self.model_dir}/manifest.json: bad encoder entry ({exc!r})") from None
        self.layer_names: list[str] = list(manifest.get("layers", []))
        self.tokenizer = Tokenizer(model_file(self.model_dir, manifest, "tokenizer"))
        self._session: OnnxModel = open_session(
            self.model_dir, manifest, "model", preferred_provider=preferred_provider, intra_op_threads=intra_op_threads
        )

    @property
    def provider(self) -> str:
        return self._session.provider

    @property
    def notice(self) -> str | None:
        return self._session.notice

    def run_batch(self, id_lists: list[list[int]], outputs=("hidden_states", "mean_pooled", "sentence_embedding")):
        """One padded pass; returns the named outputs and the attention mask."""
        width = max(len(ids) for ids in id_lists)
        ids = np.full((len(id_lists), width), self.pad_id, np.int64)
        mask = np.zeros((len(id_lists), width), np.int64)
        for i, row in enumerate(id_lists):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        res = self._session.run(list(outputs), {"input_ids": ids, "attention_mask": mask})
        return dict(zip(outputs, res)), mask

    def encode(self, sentences: list[str], *, batch_size: int = 32, layers: bool = True) -> Job[list[EncodedSentence]]:
        """Encode sentences in batches of similar length (a job); results keep the input order."""
        sentences = list(sentences)
        if not sentences:
            return []
        toks = [self.tokenizer.encode(s) for s in sentences]
        order = sorted(range(len(sentences)), key=lambda i: len(toks[i]))
        outs = ("hidden_states", "mean_pooled", "sentence_embedding") if layers else ("mean_pooled", "sentence_embedding")
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
