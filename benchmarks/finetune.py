"""Benchmark one fine-tuning step on CPU: our SequenceClassifier against BertForSequenceClassification.

    python benchmarks/finetune.py             # all-MiniLM-L6-v2, batch 32 reviews, 30 timed steps
    python benchmarks/finetune.py --quick     # 6 timed steps, a smoke test

One step = forward, cross-entropy, backward, AdamW update (same settings on both sides), 2 threads.
Both models start from the packaged all-MiniLM-L6-v2 and the same head, with dropout 0 (so that they
compute the same thing), and see the same batches: 32 real sentiment reviews per step, each batch padded
to its own longest review (dynamic padding, about 19 tokens). transformers runs its ``sdpa`` attention.
Their losses must agree at every step; the script checks it. Steps are timed round-robin so that a change
in machine load affects both alike; the figures are medians, and the ratio is ours over transformers'
tokens per second.

A second table compares our full fine-tuning step with a LoRA step (r = 8 on W^Q and W^V, head trained)
and with a linear probe step: time, parameters trained, and the memory of gradients plus AdamW's two
moment estimates (4 bytes each), which is what freezing saves.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from nlpcourse.data import sentiment_dataset
from nlpcourse.finetune import (
    ClassificationBatches,
    SequenceClassifier,
    apply_lora,
    count_parameters,
    encode,
    freeze_body,
)
from nlpcourse.pretrained import load_tokenizer


def adamw(model: torch.nn.Module, lr: float = 1e-4) -> torch.optim.AdamW:
    return torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)


def ours_step(model, optimizer, batch) -> float:
    input_ids, token_type_ids, attention_mask, labels = batch
    loss = model(input_ids, token_type_ids, attention_mask, labels)[1]
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def theirs_step(model, optimizer, batch) -> float:
    input_ids, token_type_ids, attention_mask, labels = batch
    loss = model(
        input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask, labels=labels
    ).loss
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def timed(step, *args) -> tuple[float, float]:
    start = time.perf_counter()
    loss = step(*args)
    return time.perf_counter() - start, loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps only")
    parser.add_argument("--steps", type=int, default=30, help="timed steps")
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    steps = 6 if args.quick else args.steps
    warmup = 2
    torch.set_num_threads(2)
    torch.manual_seed(0)

    data = sentiment_dataset((args.batch * (steps + warmup), 1, 1), seed=0)["train"]
    encoded = encode(data["text"], data["label"], load_tokenizer(), num_labels=2, max_length=64)
    batches = ClassificationBatches(encoded, batch_size=args.batch, seed=0)

    ours = SequenceClassifier.from_pretrained_minilm(num_labels=2, pooling="pooler", dropout=0.0, seed=0)
    ours.train()
    theirs = ours.to_transformers(attn_implementation="sdpa").train()
    ours_opt, theirs_opt = adamw(ours), adamw(theirs)
    times = {"ours": [], "transformers": []}
    tokens, worst = [], 0.0
    for step in range(warmup + steps):
        batch = batches(step)
        t_ours, l_ours = timed(ours_step, ours, ours_opt, batch)
        t_theirs, l_theirs = timed(theirs_step, theirs, theirs_opt, batch)
        difference = abs(l_ours - l_theirs)
        worst = max(worst, difference)
        if difference > 1e-3 * max(1.0, abs(l_theirs)):
            raise SystemExit(f"losses differ at step {step}: ours {l_ours:.6f}, transformers {l_theirs:.6f}")
        if step >= warmup:
            times["ours"].append(t_ours)
            times["transformers"].append(t_theirs)
            tokens.append(int(batch[2].sum()))
    padded = statistics.mean(int(batches(s)[0].shape[1]) for s in range(warmup, warmup + steps))
    print(
        f"MiniLM fine-tuning step, batch {args.batch} x {padded:.1f} tokens (padded), "
        f"{statistics.mean(tokens):.0f} real tokens; {steps} timed steps, 2 threads"
    )
    print(f"losses agree at every step (max |difference| {worst:.1e})")
    rate = {}
    for name, values in times.items():
        median = statistics.median(values)
        rate[name] = statistics.mean(tokens) / median
        print(f"  {name:13s} median {1000 * median:7.1f} ms/step   {rate[name]:8.0f} tokens/s")

    print("\nour step by method (same batches):")
    print(f"  {'method':16s} {'ms/step':>8s} {'trained':>12s} {'grad+AdamW MB':>14s}")
    variants = {
        "full": lambda m: None,
        "LoRA r=8 (q, v)": lambda m: apply_lora(m, ("q_proj", "v_proj"), r=8, alpha=16),
        "linear probe": freeze_body,
    }
    models = {}
    for name, prepare in variants.items():
        model = SequenceClassifier.from_pretrained_minilm(num_labels=2, pooling="pooler", dropout=0.0, seed=0)
        prepare(model)
        models[name] = (model.train(), adamw(model), [])
    for step in range(warmup + steps):
        batch = batches(step)
        for model, optimizer, values in models.values():
            seconds, _ = timed(ours_step, model, optimizer, batch)
            if step >= warmup:
                values.append(seconds)
    for name, (model, _, values) in models.items():
        trainable, total = count_parameters(model)
        memory = 3 * 4 * trainable / 1e6  # gradient + two AdamW moments, float32
        print(f"  {name:16s} {1000 * statistics.median(values):8.1f} {trainable:12,d} {memory:14.1f}")
    print(f"\nratio: {rate['ours'] / rate['transformers']:.2f} (ours vs transformers, higher is better)")


if __name__ == "__main__":
    main()
