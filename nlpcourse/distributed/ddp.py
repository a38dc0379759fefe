"""Data-parallel pretraining with ``torch.distributed``: chapter 06's causal LM on several processes.

Every process (a *rank*) holds a full copy of the model and takes its own slice of each global batch.
``DistributedDataParallel`` averages the gradients over the ranks during the backward pass (an
all-reduce), so every copy takes the same optimizer step, the one a single process would take on the
whole global batch. On one machine, two processes on the CPU with the gloo backend::

    torchrun --standalone --nproc_per_node 2 -m nlpcourse.distributed.ddp --steps 20 --out run/

On two machines with 8 GPUs each (NCCL is chosen automatically on GPUs), the same command on both, with
``--node_rank 0`` and ``--node_rank 1``::

    torchrun --nnodes 2 --node_rank 0 --nproc_per_node 8 --rdzv_backend c10d \\
             --rdzv_endpoint first-machine:29500 -m nlpcourse.distributed.ddp --steps 1000 --out run/

torchrun starts the processes and sets ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT``;
:func:`main` reads them. Rank 0 writes ``result.pt`` (losses of the global batch, weights) to ``--out``.
:func:`train_single` is the same run in one process, for comparison.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch
import torch.distributed as dist
from torch import Tensor
from torch.nn.parallel import DistributedDataParallel

from nlpcourse.pretraining import BertConfig, CausalBatches, CausalLM, Pretrainer
from nlpcourse.scaling import toy_lm_data

__all__ = ["tiny_causal_lm", "global_batches", "train_single", "train_ddp", "main"]


def tiny_causal_lm(vocab_size: int, seed: int = 0) -> CausalLM:
    """A 2-layer, 32-wide causal LM without dropout (so that every rank computes the same thing)."""
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=32,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    return CausalLM(config)


def global_batches(global_batch: int = 8, seq_len: int = 16, seed: int = 0) -> tuple[CausalBatches, int]:
    """Toy-world next-token batches ``(global_batch, seq_len)`` and the vocabulary size."""
    documents, vocab = toy_lm_data(300, seed)
    return CausalBatches(
        documents, sep_id=vocab["[SEP]"], batch_size=global_batch, seq_len=seq_len, seed=seed
    ), len(vocab)


Result = tuple[list[float], dict[str, Tensor]]


def train_single(steps: int, global_batch: int = 8, lr: float = 3e-3, seed: int = 0) -> Result:
    """One process: (loss of each step, final weights)."""
    batches, vocab_size = global_batches(global_batch, seed=seed)
    model = tiny_causal_lm(vocab_size, seed)
    trainer = Pretrainer(model, total_steps=steps, lr=lr)
    history = trainer.run(batches, progress=False)
    return history["loss"], model.state_dict()


def train_ddp(steps: int, global_batch: int = 8, lr: float = 3e-3, seed: int = 0) -> Result:
    """Inside an initialised process group: this rank trains on rows ``rank::world`` of every global
    batch; returns (the global batch's mean loss per step, final weights), equal on every rank."""
    rank, world = dist.get_rank(), dist.get_world_size()
    if global_batch % world:
        raise ValueError(f"global_batch={global_batch} must be divisible by the {world} processes")
    batches, vocab_size = global_batches(global_batch, seed=seed)
    model = tiny_causal_lm(vocab_size, seed)  # the same seed: the same initial weights on every rank
    parallel = DistributedDataParallel(model)
    trainer = Pretrainer(parallel, total_steps=steps, lr=lr)
    history = trainer.run(lambda step: tuple(t[rank::world] for t in batches(step)), progress=False)
    losses = torch.tensor(history["loss"], dtype=torch.float64)  # this rank's share of each batch
    dist.all_reduce(losses)  # sum over ranks; equal shares, so the mean is the global batch's loss
    return (losses / world).tolist(), model.state_dict()


def main(argv: list[str] | None = None) -> None:
    """Entry point for ``torchrun ... -m nlpcourse.distributed.ddp``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--global-batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="folder for rank 0's result.pt")
    args = parser.parse_args(argv)
    if "RANK" not in os.environ:
        raise SystemExit(
            "start this with torchrun, e.g. torchrun --standalone --nproc_per_node 2 "
            "-m nlpcourse.distributed.ddp --out run/"
        )
    torch.set_num_threads(1)
    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    try:
        losses, state = train_ddp(args.steps, args.global_batch, args.lr, args.seed)
        if dist.get_rank() == 0:
            args.out.mkdir(parents=True, exist_ok=True)
            torch.save(
                {"losses": losses, "state": state, "world_size": dist.get_world_size()},
                args.out / "result.pt",
            )
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
