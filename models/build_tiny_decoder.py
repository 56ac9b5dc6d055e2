"""A tiny GPT-2-style decoder with random weights, exported to ONNX in Hugging Face Optimum's
folder layout: what File ▸ Open language model… reads, built here without any download.

    python -m models.build_tiny_decoder OUT_FOLDER [--layout past|split|plain] [--positions 64]

Layouts (the graph's inputs and outputs follow Optimum's names):

``past``   ``model.onnx``: input_ids, attention_mask, position_ids, past_key_values.N.key/value in;
           logits, present.N.key/value out (the first pass gets an empty past). Optimum's current export.
``split``  ``decoder_model.onnx`` (no past in) + ``decoder_with_past_model.onnx``: the older export.
``plain``  ``model.onnx`` with input_ids in and logits out only (no key/value cache).

The folder also gets ``tokenizer.json`` (a byte-level BPE trained here on a few sentences),
``config.json`` (transformers' GPT2Config) and ``reference.npz`` (torch's logits for a prompt,
to check the ONNX file against). ``logits_name`` renames the logits output (to make a broken
folder for tests). Needs the build extra (torch, transformers, onnxscript); the export uses
``torch.onnx.export(dynamo=True)``, as models/build_lm.py does.
"""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from models.build_common import quiet_build_logs, require_build_extra

CORPUS = [
    "Once upon a time there was a king who lived in a castle by the sea.",
    "The cat sat on the mat and the dog sat on the rug.",
    "Paris is the capital of France, and Rome is the capital of Italy.",
    "She said that the weather would be fine tomorrow morning.",
    "A small group of farmers settled on the banks of the river.",
    "def fibonacci(n): return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)",
    "Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000; symbols: ! ? . , ; : ( ) [ ] { } \" ' - + * / = < >",
]
END = "<|endoftext|>"
PROMPT = "Once upon a time"


def train_tokenizer(path: Path, vocab_size: int = 320) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[END], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS * 4, trainer)
    tok.save(str(path))


def _modules(model, n_layers: int):
    import torch
    from transformers.cache_utils import DynamicCache

    def flat(cache) -> list:
        out = []
        for i in range(n_layers):
            out += [cache.layers[i].keys, cache.layers[i].values]
        return out

    class WithPast(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lm = model

        def forward(self, input_ids, attention_mask, position_ids, past):
            cache = DynamicCache(config=self.lm.config)
            for i in range(n_layers):
                cache.update(past[2 * i], past[2 * i + 1], i)
            out = self.lm(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                          past_key_values=cache, use_cache=True)
            return (out.logits, *flat(out.past_key_values))

    class NoPast(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lm = model

        def forward(self, input_ids, attention_mask, position_ids):
            out = self.lm(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, use_cache=True)
            return (out.logits, *flat(out.past_key_values))

    class Plain(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lm = model

        def forward(self, input_ids):
            return self.lm(input_ids=input_ids, use_cache=False).logits

    return WithPast().eval(), NoPast().eval(), Plain().eval()


def _export(module, args, path: Path, inputs: list[str], outputs: list[str], shapes) -> None:
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, str(path), dynamo=True, external_data=False, verbose=False,
                          input_names=inputs, output_names=outputs, dynamic_shapes=shapes)


def build(folder: str | Path, *, layout: str = "past", positions: int = 64, seed: int = 0,
          logits_name: str = "logits") -> Path:
    """Write the tiny decoder folder; returns it."""
    require_build_extra()
    quiet_build_logs()
    import tokenizers
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    train_tokenizer(folder / "tokenizer.json")
    tok = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
    end = tok.token_to_id(END)
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=tok.get_vocab_size(), n_positions=positions, n_embd=32, n_layer=2, n_head=4,
                     bos_token_id=end, eos_token_id=end)
    cfg._name_or_path = "tiny-gpt2"
    model = GPT2LMHeadModel(cfg).eval()
    cfg.save_pretrained(folder)
    layers, heads, dim = cfg.n_layer, cfg.n_head, cfg.n_embd // cfg.n_head
    with_past, no_past, plain = _modules(model, layers)
    batch, seq, past, total = (torch.export.Dim(n) for n in ("batch", "sequence_length", "past_sequence_length",
                                                             "total_sequence_length"))
    kv_in = [f"past_key_values.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    kv_out = [f"present.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
    ids = torch.tensor([[end, *tok.encode("Once upon a").ids]])
    n = ids.shape[1]
    if layout == "plain":
        _export(plain, (ids,), folder / "model.onnx", ["input_ids"], [logits_name], ({0: batch, 1: seq},))
    else:
        if layout == "split":
            mask, pos = torch.ones(1, n, dtype=torch.long), torch.arange(n)[None]
            names = ["input_ids", "attention_mask", "position_ids"]
            _export(no_past, (ids, mask, pos), folder / "decoder_model.onnx", names, [logits_name, *kv_out],
                    ({0: batch, 1: seq}, {0: batch, 1: seq}, {0: batch, 1: seq}))
        p = 3
        example = (
            ids,
            torch.ones(1, p + n, dtype=torch.long),
            torch.arange(p, p + n)[None],
            tuple(torch.randn(1, heads, p, dim) for _ in kv_in),
        )
        name = "decoder_with_past_model.onnx" if layout == "split" else "model.onnx"
        _export(
            with_past,
            example,
            folder / name,
            ["input_ids", "attention_mask", "position_ids", *kv_in],
            [logits_name, *kv_out],
            ({0: batch, 1: seq}, {0: batch, 1: total}, {0: batch, 1: seq}, tuple({0: batch, 2: past} for _ in kv_in)),
        )
    full = torch.tensor([[end, *tok.encode(PROMPT).ids]])
    with torch.no_grad():
        ref = model(input_ids=full).logits[0].numpy()
    np.savez(folder / "reference.npz", input_ids=full[0].numpy(), logits=ref)
    return folder


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder")
    p.add_argument("--layout", choices=["past", "split", "plain"], default="past")
    p.add_argument("--positions", type=int, default=64, help="context length (n_positions)")
    args = p.parse_args(argv)
    print(build(args.folder, layout=args.layout, positions=args.positions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
