"""The causal (GPT-style) objective on the same encoder, and XLNet's permutation orders.

A causal language model predicts every token from the tokens before it:

    loss = -1/n sum_t log p(x_{t+1} | x_1, ..., x_t)

It is BERT's body with a causal keep-mask (position t may attend to positions <= t) and the same tied
output head, so every position is a training example (BERT learns from its ~15% masked positions
only), but each token sees only its left context. :class:`CausalLM` has the module names of
``transformers.BertLMHeadModel`` (``bert.*``, ``cls.predictions.*``).

XLNet (Yang et al. 2019) keeps the autoregressive loss but predicts the tokens in a random *order*
``z``: token ``z_t`` is predicted from the tokens ``z_1, ..., z_{t-1}``, wherever they stand. In
expectation over orders every token learns from context on both sides, without a [MASK] token.
:func:`permutation_mask` is the attention mask of one order; the identity order gives the causal mask.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.pretraining.bert import IGNORE_INDEX, BertConfig, BertLMPredictionHead, BertModel

__all__ = ["BertOnlyMLMHead", "CausalLM", "generate", "permutation_mask"]


class BertOnlyMLMHead(nn.Module):
    """Holds ``predictions``, as transformers' ``cls`` of ``BertLMHeadModel`` does."""

    def __init__(self, config: BertConfig, word_embeddings: nn.Embedding):
        super().__init__()
        self.predictions = BertLMPredictionHead(config, word_embeddings)


class CausalLM(nn.Module):
    """Next-token prediction with a causal mask: ``forward(input_ids, targets=None, attention_mask=None)``.

    Returns ``(logits, loss)``: logits ``(batch, seq, vocab)``; loss the mean cross-entropy of
    ``targets`` ``(batch, seq)`` (usually the inputs shifted left by one), ignoring
    :data:`IGNORE_INDEX`, or None without targets.
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config, self.bert.embeddings.word_embeddings)

    def forward(
        self, input_ids: Tensor, targets: Tensor | None = None, attention_mask: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        hidden = self.bert(input_ids, attention_mask=attention_mask, causal=True).last_hidden_state
        logits = self.cls.predictions(hidden)  # (batch, seq, vocab)
        if targets is None:
            return logits, None
        if targets.shape != input_ids.shape:
            raise ValueError(
                f"targets {tuple(targets.shape)} must have the shape of input_ids "
                f"{tuple(input_ids.shape)}: the next token of every position"
            )
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE_INDEX)
        return logits, loss

    def to_transformers(self) -> Any:
        """A ``transformers.BertLMHeadModel`` (``is_decoder=True``, eager attention) with the same weights."""
        from transformers import BertLMHeadModel

        from nlpcourse.pretraining.keys import to_transformers

        model = BertLMHeadModel(self.config.to_transformers(is_decoder=True))
        model.load_state_dict(to_transformers(self.state_dict()), strict=True)
        return model.train(self.training)


@torch.no_grad()
def generate(
    model: CausalLM,
    input_ids: Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
    stop_id: int | None = None,
) -> Tensor:
    """Continue ``input_ids`` ``(1, seq)`` token by token -> ``(1, seq')``; ``temperature=0`` is greedy."""
    model.eval()
    ids = input_ids
    limit = model.config.max_position_embeddings
    for _ in range(max_new_tokens):
        logits, _ = model(ids[:, -limit:])
        last = logits[:, -1]  # (1, vocab): the distribution of the next token
        if temperature == 0:
            token = last.argmax(-1, keepdim=True)
        else:
            last = last / temperature
            if top_k is not None:
                kth = last.topk(min(top_k, last.size(-1))).values[:, -1:]
                last = last.masked_fill(last < kth, float("-inf"))
            token = torch.multinomial(torch.softmax(last, -1), 1, generator=generator)
        ids = torch.cat([ids, token], dim=1)
        if stop_id is not None and int(token) == stop_id:
            break
    return ids


def permutation_mask(order: Tensor | list[int]) -> Tensor:
    """XLNet's keep-mask for factorisation order ``order`` (a permutation of ``0..n-1``): ``(n, n)`` bool.

    ``mask[i, j]`` is True when position ``j`` comes *before* position ``i`` in the order, i.e. when
    token j may be used to predict token i. ``permutation_mask(range(n))`` is the causal mask without
    its diagonal.
    """
    order = torch.as_tensor(order)
    n = order.numel()
    if order.dim() != 1 or sorted(order.tolist()) != list(range(n)):
        raise ValueError(f"order must be a permutation of 0..{n - 1}, got {order.tolist()}")
    rank = torch.empty_like(order)
    rank[order] = torch.arange(n)  # rank[p]: when position p is predicted
    return rank[None, :] < rank[:, None]
