"""A translator: the encoder–decoder model with its two tokenizers, trained on the shared loop.

    translator = build_translator(train_examples)              # fresh Transformer, tokenizers
    history = train_translator(translator, train_examples, steps=2000)
    translator.translate(["three hundred and twelve"])         # ['三百一十二']
    translator.translate(sentences, beam_size=4)               # beam search

Training is teacher forcing with cross-entropy (:meth:`Transformer.forward`), AdamW with a linear
warm-up then cosine decay of the learning rate, gradient clipping at norm 1, batches by length.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from nlpcourse.threads import one_thread
from nlpcourse.train import History, train
from nlpcourse.transformer.decoding import beam_search, greedy_decode
from nlpcourse.transformer.seq2seq import Transformer, TransformerConfig
from nlpcourse.translation.data import encode_pairs, length_batches
from nlpcourse.translation.vocab import BOS, EOS, PAD, CharVocab, SourceTokenizer, pad_batch

__all__ = ["Translator", "build_translator", "train_translator", "warmup_cosine"]


@dataclass
class Translator:
    """``model`` with ``source`` (English -> ids) and ``target`` (Chinese characters <-> ids)."""

    model: Transformer
    source: Any  # SourceTokenizer or a WordPiece wrapper: encode(str) -> ids, tokens(str) -> labels
    target: CharVocab

    @torch.no_grad()
    @one_thread()  # one sentence step at a time: small matrices (nlpcourse.threads)
    def translate(
        self,
        sentences: Sequence[str],
        beam_size: int = 1,
        max_new_tokens: int = 24,
        batch_size: int = 256,
        length_penalty: float = 1.0,
        use_cache: bool = True,
    ) -> list[str]:
        """Chinese translations of English ``sentences`` (greedy when ``beam_size == 1``)."""
        if isinstance(sentences, str):
            raise TypeError("pass a list of sentences, not one str: wrap it in a list")
        self.model.eval()
        out: list[str] = []
        for start in range(0, len(sentences), batch_size):
            src = pad_batch([self.source.encode(s) for s in sentences[start : start + batch_size]])
            if beam_size == 1:
                ids = greedy_decode(self.model, src, max_new_tokens, use_cache=use_cache)
            else:
                ids = beam_search(self.model, src, beam_size, max_new_tokens, length_penalty, use_cache)
            out += self.target.decode_batch(ids)
        return out

    @torch.no_grad()
    def cross_attention(self, sentence: str, translation: str) -> tuple[list[str], list[str], list[Tensor]]:
        """Source tokens, target tokens and per-layer cross-attention ``(heads, len_t, len_s)``.

        The decoder reads ``<bos> + translation`` (teacher forcing); row t shows where it looked
        while predicting character t (the last row: while predicting ``<eos>``).
        """
        self.model.eval()
        src = torch.tensor([self.source.encode(sentence)])
        tgt = torch.tensor([[BOS] + self.target.encode(translation)])
        maps = self.model.cross_attention(src, tgt)
        targets = list(translation) + ["<eos>"]
        return self.source.tokens(sentence), targets, [m[0] for m in maps]


def build_translator(
    examples: Sequence[dict[str, str]],
    config: TransformerConfig | None = None,
    decoder_layer: Callable[[], nn.Module] | None = None,
    **sizes: Any,
) -> Translator:
    """A fresh translator whose source vocabulary comes from ``examples`` (dicts with ``en``).

    ``sizes`` override fields of :class:`TransformerConfig` (``d_model=64``, ``num_decoder_layers=1``);
    ``decoder_layer`` builds decoder layers of your own (see :class:`~nlpcourse.transformer.Decoder`).
    """
    source = SourceTokenizer.from_sentences(e["en"] for e in examples)
    target = CharVocab()
    base = config or TransformerConfig()
    fields = {
        **base.__dict__,
        **sizes,
        "src_vocab_size": len(source),
        "tgt_vocab_size": len(target),
        "pad_id": PAD,
        "bos_id": BOS,
        "eos_id": EOS,
    }
    return Translator(Transformer(TransformerConfig(**fields), decoder_layer=decoder_layer), source, target)


def warmup_cosine(
    optimizer: torch.optim.Optimizer, steps: int, warmup: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """Learning rate x step/warmup for ``warmup`` steps, then a cosine decay to 10 % at ``steps``."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def train_translator(
    translator: Translator,
    examples: Sequence[dict[str, str]],
    steps: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    warmup: int = 100,
    seed: int = 0,
    history: History | None = None,
    progress: bool = True,
    evaluate: Any = None,
    eval_every: int = 0,
) -> History:
    """Teacher-forced training of ``translator.model`` on ``examples`` through :func:`nlpcourse.train`."""
    if not examples:
        raise ValueError("no training examples: pass dicts with 'en' and 'zh'")
    pairs = encode_pairs(
        [e["en"] for e in examples], [e["zh"] for e in examples], translator.source, translator.target
    )
    batches = length_batches(pairs, batch_size, seed=seed)
    trainable = [p for p in translator.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=lr, betas=(0.9, 0.98), weight_decay=0.01, foreach=True)
    with one_thread():  # small matrices: a second thread costs more than it saves (nlpcourse.threads)
        return train(
            translator.model,
            batches,
            steps,
            optimizer,
            clip=1.0,
            scheduler=warmup_cosine(optimizer, steps, min(warmup, max(1, steps // 10))),
            history=history,
            progress=progress,
            evaluate=evaluate,
            eval_every=eval_every,
            desc="translation",
        )
