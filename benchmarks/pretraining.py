"""Benchmark BERT pretraining steps on CPU: our mini-BERT against transformers' BertForPreTraining.

    python benchmarks/pretraining.py            # hidden 128, 2 layers, 2 heads, vocab 8000, batch 32 x 128
    python benchmarks/pretraining.py --quick    # tiny sizes, a smoke test

One training step = forward, MLM + NSP loss, backward, AdamW update, with 2 threads. Three models start
from the *same* weights and see the *same* batches (real text: the standard library's docstrings
tokenized with a WordPiece vocabulary of 8,000, sentence pairs packed to exactly 128 tokens, BERT's
80/10/10 masking, half of the B parts random): our :class:`~nlpcourse.pretraining.BertForPreTraining`
and ``transformers.BertForPreTraining`` with its eager and its sdpa attention. Dropout is 0 in all of
them, so their losses must agree at every step; the script checks it and prints the largest difference.

Where the speed comes from: transformers computes the MLM logits at all 32 x 128 positions (a
4096 x 128 by 128 x 8000 matrix product, and a softmax over 33 million scores, forward and backward)
and then ignores 85% of them; we gather the ~15% masked positions first. The encoder is chapter 05's
(one stacked Q/K/V matmul, ``F.scaled_dot_product_attention``). Steps are timed round-robin so that a
change in machine load affects all models alike; the figure is the median.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from nlpcourse.pretraining import (
    BertConfig,
    BertForPreTraining,
    canonical_wordpiece,
    make_optimizer,
    mask_tokens,
    pretraining_documents,
    tokenize_documents,
)
from nlpcourse.text import train_wordpiece_tokenizer


def make_batches(vocab_size: int, batch: int, seq: int, count: int, seed: int = 0):
    """``count`` batches (input_ids, token_type_ids, attention_mask, labels, next_sentence_label)."""
    documents = pretraining_documents(toy_documents=0)
    tokenizer = canonical_wordpiece(train_wordpiece_tokenizer([u for d in documents for u in d], vocab_size))
    stream = np.array([t for d in tokenize_documents(documents, tokenizer) for u in d for t in u])
    cls_id, sep_id, mask_id = (tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[MASK]"))
    specials = [tokenizer.token_to_id(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")]
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    len_a = (seq - 3) // 2
    len_b = seq - 3 - len_a
    batches = []
    for _ in range(count):
        starts = rng.integers(len(stream) - seq, size=batch)
        labels = rng.integers(2, size=batch)  # 0: B follows A, 1: B is taken from elsewhere
        rows = []
        for start, label in zip(starts, labels, strict=True):
            b_start = start + len_a if label == 0 else rng.integers(len(stream) - seq)
            a, b = stream[start : start + len_a], stream[b_start : b_start + len_b]
            rows.append([cls_id, *a, sep_id, *b, sep_id])
        input_ids = torch.tensor(rows)
        token_type_ids = torch.zeros_like(input_ids)
        token_type_ids[:, len_a + 2 :] = 1
        inputs, mlm_labels = mask_tokens(
            input_ids, mask_id, tokenizer.get_vocab_size(), specials, generator=generator
        )
        batches.append((inputs, token_type_ids, torch.ones_like(input_ids), mlm_labels, torch.tensor(labels)))
    return batches, tokenizer.get_vocab_size()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes for a smoke test")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per model")
    args = parser.parse_args(argv)

    torch.set_num_threads(2)
    torch.manual_seed(0)
    from transformers import BertForPreTraining as HFBertForPreTraining
    from transformers.utils import logging

    logging.set_verbosity_error()
    if args.quick:
        hidden, layers, heads, intermediate, vocab = 32, 2, 2, 64, 1000
        batch, seq, warmup, steps = 4, 32, 1, 3
    else:
        hidden, layers, heads, intermediate, vocab = 128, 2, 2, 512, 8000
        batch, seq, warmup, steps = 32, 128, 3, 30
    steps = args.steps or steps
    batches, vocab = make_batches(vocab, batch, seq, warmup + steps)
    config = BertConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=seq,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    ours = BertForPreTraining(config)
    models = {"ours": ours}
    for implementation in ("eager", "sdpa"):
        theirs = HFBertForPreTraining(config.to_transformers(attn_implementation=implementation))
        theirs.load_state_dict(ours.to_transformers().state_dict())
        models[f"transformers {implementation}"] = theirs
    optimizers = {name: make_optimizer(model, lr=1e-3) for name, model in models.items()}

    def train_step(name: str, data: tuple[torch.Tensor, ...]) -> tuple[float, float]:
        model, optimizer = models[name], optimizers[name]
        input_ids, token_type_ids, attention_mask, labels, next_sentence_label = data
        start = time.perf_counter()
        if name == "ours":
            _, loss = model(input_ids, token_type_ids, attention_mask, labels, next_sentence_label)
        else:
            loss = model(
                input_ids=input_ids,
                token_type_ids=token_type_ids,
                attention_mask=attention_mask,
                labels=labels,
                next_sentence_label=next_sentence_label,
            ).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start, loss.item()

    times: dict[str, list[float]] = {name: [] for name in models}
    losses: dict[str, list[float]] = {name: [] for name in models}
    for index, data in enumerate(batches):
        for name in models:
            seconds, loss = train_step(name, data)
            losses[name].append(loss)
            if index >= warmup:
                times[name].append(seconds)

    tokens = batch * seq
    median = {name: statistics.median(t) for name, t in times.items()}
    print(
        f"BERT pretraining steps (MLM + NSP, AdamW), torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    print(
        f"hidden {hidden}, {layers} layers, {heads} heads, intermediate {intermediate}, "
        f"vocabulary {vocab}, batch {batch} x {seq} tokens; median of {steps} steps after {warmup} warm-up"
    )
    print(f"{'model':<22}{'ms/step':>10}{'tokens/s':>11}{'first loss':>12}{'last loss':>11}")
    for name in models:
        print(
            f"{name:<22}{median[name] * 1000:>10.1f}{tokens / median[name]:>11,.0f}"
            f"{losses[name][0]:>12.4f}{losses[name][-1]:>11.4f}"
        )
    gap = max(abs(a - b) for name in models for a, b in zip(losses[name], losses["ours"], strict=True))
    print(f"largest loss difference from ours over all {len(batches)} steps: {gap:.1e}")
    for name in ("transformers eager", "transformers sdpa"):
        print(f"ours / {name}: {median[name] / median['ours']:.2f}x the throughput")
    if gap > 1e-2:
        raise RuntimeError(f"the losses disagree by {gap:.2e}: the models do not compute the same thing")
    ratio = median["transformers sdpa"] / median["ours"]
    print(f"ratio: {ratio:.2f} (ours vs transformers BertForPreTraining sdpa, higher is better)")


if __name__ == "__main__":
    main()
