"""Benchmark multi-head self-attention on CPU: forward + backward, median milliseconds per step.

    python benchmarks/attention.py           # batch 32 x 128 tokens x d_model 256 x 4 heads
    python benchmarks/attention.py --quick   # tiny sizes, a smoke test that takes a second

Four implementations of the same computation, all with 2 threads and identical weights:

* ``torch MHA``: :class:`torch.nn.MultiheadAttention` (batch_first, ``need_weights=False``).
* ``plain softmax``: our :class:`MultiHeadAttention` with ``need_weights=True``, which builds the
  full ``(batch, heads, seq, seq)`` weight tensor with an explicit softmax.
* ``sdpa inline``: the same four projections written inline around
  :func:`torch.nn.functional.scaled_dot_product_attention`; the reference (ratio 1.00).
* ``ours fast``: our :class:`MultiHeadAttention` with ``need_weights=False`` (the sdpa path).
  For self-attention it stacks W^Q, W^K, W^V into one matmul, which is where any lead over
  ``sdpa inline`` (three separate matmuls) comes from.

The variants are timed round-robin (one step of each per repeat) so that a change in machine load
affects all of them alike. Inputs and outputs are checked to agree before timing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.transformer import MultiHeadAttention, merge_heads, split_heads


def sdpa_inline(mha: MultiHeadAttention) -> Callable[[Tensor], Tensor]:
    """Self-attention written inline with F.scaled_dot_product_attention and mha's projections."""

    def run(x: Tensor) -> Tensor:
        q = split_heads(F.linear(x, mha.q_proj.weight, mha.q_proj.bias), mha.num_heads)
        k = split_heads(F.linear(x, mha.k_proj.weight, mha.k_proj.bias), mha.num_heads)
        v = split_heads(F.linear(x, mha.v_proj.weight, mha.v_proj.bias), mha.num_heads)
        out = merge_heads(F.scaled_dot_product_attention(q, k, v))
        return F.linear(out, mha.out_proj.weight, mha.out_proj.bias)

    return run


def step(fn: Callable[[Tensor], Tensor], x: Tensor, params: list[nn.Parameter]) -> float:
    """Seconds for one forward + backward of ``fn(x).sum()``."""
    for p in params:
        p.grad = None
    x.grad = None
    start = time.perf_counter()
    fn(x).sum().backward()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes for a smoke test")
    parser.add_argument("--repeats", type=int, default=None, help="timed steps per variant")
    args = parser.parse_args(argv)

    torch.set_num_threads(2)
    torch.manual_seed(0)
    if args.quick:
        batch, seq, d_model, heads, warmup, repeats = 4, 16, 64, 4, 2, 5
    else:
        batch, seq, d_model, heads, warmup, repeats = 32, 128, 256, 4, 5, 30
    repeats = args.repeats or repeats

    torch_mha = nn.MultiheadAttention(d_model, heads, batch_first=True)
    ours = MultiHeadAttention.from_torch(torch_mha)
    variants: dict[str, tuple[Callable[[Tensor], Tensor], list[nn.Parameter]]] = {
        "torch MHA": (
            lambda x: torch_mha(x, x, x, need_weights=False)[0],
            list(torch_mha.parameters()),
        ),
        "plain softmax": (lambda x: ours(x, need_weights=True)[0], list(ours.parameters())),
        "sdpa inline": (sdpa_inline(ours), list(ours.parameters())),
        "ours fast": (lambda x: ours(x, need_weights=False)[0], list(ours.parameters())),
    }

    x = torch.randn(batch, seq, d_model, requires_grad=True)
    with torch.no_grad():
        reference = variants["sdpa inline"][0](x)
        for name, (fn, _) in variants.items():
            error = (fn(x) - reference).abs().max().item()
            if error > 1e-4:
                raise RuntimeError(f"{name} disagrees with sdpa inline: max abs error {error:.2e}")

    for _ in range(warmup):
        for fn, params in variants.values():
            step(fn, x, params)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, (fn, params) in variants.items():
            times[name].append(step(fn, x, params))

    medians = {name: statistics.median(t) * 1000 for name, t in times.items()}
    base = medians["sdpa inline"]
    print(
        f"multi-head self-attention, forward + backward, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    print(
        f"batch {batch} x seq {seq} x d_model {d_model} x {heads} heads; "
        f"median of {repeats} steps after {warmup} warm-up"
    )
    print(f"{'variant':<16}{'median ms':>12}{'vs sdpa':>10}")
    for name, ms in medians.items():
        print(f"{name:<16}{ms:>12.2f}{ms / base:>9.2f}x")
    print(f"ratio: {base / medians['ours fast']:.2f} (ours vs sdpa, higher is better)")


if __name__ == "__main__":
    main()
