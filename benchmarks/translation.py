"""Benchmark batched beam search: our cached decoder against our uncached one and transformers' generate.

    python benchmarks/translation.py            # beam 4, batch 32, 24 output tokens, chapter-09 model size
    python benchmarks/translation.py --quick    # fewer repetitions, a smoke test

One Transformer (d_model 128, 4 heads, feed-forward 512, 2 encoder and 2 decoder layers, chapter 09's
vocabularies) translates 32 English numbers and dates with beam size 4 for exactly 24 output tokens:
its weights are random, and an untrained model never ranks end-of-sentence first, so every run
decodes all 24 steps (the script checks the length). Three decoders share these weights:

* ours with the key/value cache (one new token per step through the decoder);
* ours without the cache (the whole prefix again at every step);
* ``MarianMTModel.generate(num_beams=4)`` on the same weights (:mod:`nlpcourse.transformer.marian`),
  which runs the same beam-search rule with transformers' own cache.

The script checks that the three produce the same 32 outputs, times them round-robin with 2 threads
so that a change in machine load affects all alike, and reports medians.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from nlpcourse.data.translation import translation_dataset
from nlpcourse.transformer.decoding import beam_search
from nlpcourse.transformer.marian import marian_generation_config, to_marian
from nlpcourse.translation import build_translator, pad_batch


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per decoder")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    from transformers.utils import logging

    logging.set_verbosity_error()
    beam, batch, tokens = 4, 32, 24
    repeats = args.repeats or (2 if args.quick else 7)
    data = list(translation_dataset(sizes=(batch, 1, 1), seed=0)["train"])
    translator = build_translator(
        data, d_model=128, num_heads=4, d_ff=512, num_encoder_layers=2, num_decoder_layers=2
    )
    model = translator.model.eval()
    src = pad_batch([translator.source.encode(e["en"]) for e in data])
    hf = to_marian(model)
    generation = marian_generation_config(model, tokens, num_beams=beam)
    attention_mask = (src != model.config.pad_id).long()

    decoders = {
        "ours, cached": lambda: beam_search(model, src, beam, tokens, use_cache=True),
        "ours, uncached": lambda: beam_search(model, src, beam, tokens, use_cache=False),
        "transformers generate": lambda: hf.generate(
            input_ids=src, attention_mask=attention_mask, generation_config=generation
        ),
    }
    outputs = {}
    times: dict[str, list[float]] = {name: [] for name in decoders}
    with torch.no_grad():
        for name, run in decoders.items():  # warm-up and outputs
            outputs[name] = run()
        for _ in range(repeats):
            for name, run in decoders.items():
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)

    eos = model.config.eos_id

    def until_eos(ids: torch.Tensor) -> list[list[int]]:
        return [row[: row.index(eos) + 1] if eos in row else row for row in ids.tolist()]

    reference = until_eos(outputs["ours, cached"])
    for name, out in outputs.items():
        if until_eos(out) != reference:
            raise SystemExit(f"{name} produced other outputs than ours, cached: not comparable")
    steps = max(len(r) for r in reference) - 1
    if steps != tokens:
        raise SystemExit(f"decoding stopped after {steps} tokens instead of {tokens}: not this workload")
    print(
        f"beam {beam}, batch {batch}, {steps} output tokens, {repeats} runs each, 2 threads; "
        "all three produce the same outputs"
    )
    median = {name: statistics.median(t) for name, t in times.items()}
    for name, seconds in median.items():
        print(f"{name:24s} {1000 * seconds:8.1f} ms (median)")
    print(
        f"ratio: {median['ours, uncached'] / median['ours, cached']:.2f} "
        "(ours cached vs ours uncached, higher is better)"
    )
    print(
        f"ratio: {median['transformers generate'] / median['ours, cached']:.2f} "
        "(ours vs transformers generate, higher is better)"
    )


if __name__ == "__main__":
    main()
