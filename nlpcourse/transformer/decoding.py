"""Decoding: turn a trained encoder–decoder into output sequences.

Both decoders work on any model with ``encode(src) -> (memory, memory_mask)``,
``decode(tgt, memory, memory_mask, cache=None) -> logits`` and ``new_cache()`` (our
:class:`~nlpcourse.transformer.seq2seq.Transformer`), and a ``config`` with ``bos_id``,
``eos_id`` and ``pad_id``. They return ``(batch, 1 + steps)`` id tensors that start with
``bos_id``; after a sentence's ``eos_id`` its row holds ``pad_id``.

* :func:`greedy_decode`: y_t = argmax_y log p(y | y_<t, x).
* :func:`beam_search`: keep the ``beam_size`` best prefixes by total log-probability. At each step
  every live hypothesis is extended by every token; of all ``beam_size * vocab`` extensions, the
  ``2 * beam_size`` best are taken in order. An extension ending in ``eos`` that ranks among the
  first ``beam_size`` becomes a finished hypothesis scored ``sum log p / length ** length_penalty``
  (``length`` counts the generated tokens, ``eos`` included); the ``beam_size`` best extensions
  without ``eos`` live on. A sentence is done when it has ``beam_size`` finished hypotheses and the
  best live one, scored at the current length, can no longer beat the worst finished one. This is
  the rule of Hugging Face's ``generate(num_beams=..., early_stopping=False)``, so the two agree
  token for token on the same weights.

``use_cache=True`` keeps each layer's keys and values (:mod:`~nlpcourse.transformer.cache`) and feeds
one new token per step; ``use_cache=False`` re-runs the whole prefix every step (same result, slower).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

__all__ = ["greedy_decode", "top_extensions", "beam_search", "strip_special"]

_NEG = -1.0e9  # "impossible" score; finite so that sums and comparisons stay well defined


def _check(src: Tensor, max_new_tokens: int) -> None:
    if not isinstance(src, Tensor) or src.dim() != 2 or src.dtype.is_floating_point:
        raise ValueError(
            f"src must be a (batch, seq) tensor of token ids, got "
            f"{tuple(src.shape) if isinstance(src, Tensor) else type(src).__name__}"
        )
    if not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive int, got {max_new_tokens!r}")


class _Stepper:
    """Next-token logits for a growing batch of prefixes, with or without a key/value cache."""

    def __init__(self, model: Any, memory: Tensor, memory_mask: Tensor, use_cache: bool):
        self.model, self.memory, self.memory_mask = model, memory, memory_mask
        self.cache = model.new_cache() if use_cache else None

    def logits(self, prefixes: Tensor) -> Tensor:
        """(rows, len) prefixes -> (rows, vocab) logits of the next token."""
        if self.cache is None:  # recompute every position of every prefix
            return self.model.decode(prefixes, self.memory, self.memory_mask)[:, -1]
        new = prefixes[:, self.cache.length :]  # only what the cache has not seen (one token per step)
        return self.model.decode(new, self.memory, self.memory_mask, cache=self.cache)[:, -1]

    def reorder(self, rows: Tensor) -> None:
        if self.cache is not None:
            self.cache.reorder(rows)


@torch.no_grad()
def greedy_decode(model: Any, src: Tensor, max_new_tokens: int = 32, use_cache: bool = True) -> Tensor:
    """Greedy decoding of a batch ``src`` ``(batch, seq_s)`` -> ``(batch, 1 + steps)`` ids.

    Stops when every sentence has produced ``eos`` or after ``max_new_tokens`` tokens.
    """
    _check(src, max_new_tokens)
    cfg = model.config
    memory, memory_mask = model.encode(src)
    stepper = _Stepper(model, memory, memory_mask, use_cache)
    out = torch.full((src.size(0), 1), cfg.bos_id, dtype=torch.long, device=src.device)
    done = torch.zeros(src.size(0), dtype=torch.bool, device=src.device)
    for _ in range(max_new_tokens):
        next_token = stepper.logits(out).argmax(-1)  # (batch,)
        next_token = next_token.masked_fill(done, cfg.pad_id)  # finished rows only pad
        out = torch.cat([out, next_token[:, None]], dim=1)
        done |= next_token == cfg.eos_id
        if bool(done.all()):
            break
    return out


def top_extensions(log_probs: Tensor, scores: Tensor, n: int) -> tuple[Tensor, Tensor, Tensor]:
    """The ``n`` best one-token extensions of ``k`` hypotheses, best first: one beam-search step.

    ``log_probs``: ``(batch, k, vocab)`` log p(next token) for each hypothesis; ``scores``:
    ``(batch, k)`` their total log-probabilities. Returns ``(new_scores, beam, token)``, each
    ``(batch, n)``: new_scores = scores[beam] + log_probs[beam, token], over all k * vocab pairs.
    """
    batch, k, vocab = log_probs.shape
    total = (scores[:, :, None] + log_probs).reshape(batch, k * vocab)
    new_scores, index = total.topk(n, dim=-1)
    return new_scores, index // vocab, index % vocab


@torch.no_grad()
def beam_search(
    model: Any,
    src: Tensor,
    beam_size: int = 4,
    max_new_tokens: int = 32,
    length_penalty: float = 1.0,
    use_cache: bool = True,
) -> Tensor:
    """Batched beam search (rule in the module docstring): ``(batch, seq_s)`` -> ``(batch, 1 + steps)``.

    ``length_penalty`` > 0 favours longer outputs, < 0 shorter ones; 0 ranks finished hypotheses by
    their total log-probability. ``beam_size=1`` gives the greedy output.
    """
    _check(src, max_new_tokens)
    if not isinstance(beam_size, int) or beam_size < 1:
        raise ValueError(f"beam_size must be an int >= 1, got {beam_size!r}: 1 is greedy decoding")
    cfg, k, batch = model.config, beam_size, src.size(0)
    device = src.device
    memory, memory_mask = model.encode(src)
    # every sentence gets k rows: (batch * k, seq_s, d_model), rows b*k .. b*k+k-1 belong to sentence b
    stepper = _Stepper(model, memory.repeat_interleave(k, 0), memory_mask.repeat_interleave(k, 0), use_cache)
    max_len = 1 + max_new_tokens
    live = torch.full((batch, k, 1), cfg.bos_id, dtype=torch.long, device=device)  # live prefixes
    live_score = torch.full((batch, k), _NEG, device=device)
    live_score[:, 0] = 0.0  # start from one hypothesis, not k copies of it
    done_seq = torch.full((batch, k, max_len), cfg.pad_id, dtype=torch.long, device=device)
    done_score = torch.full((batch, k), _NEG, device=device)
    done_full = torch.zeros(batch, k, dtype=torch.bool, device=device)  # slot holds a finished hyp
    open_ = torch.ones(batch, 1, dtype=torch.bool, device=device)  # can still improve
    first_k = torch.arange(2 * k, device=device) < k  # ranks allowed to finish
    offsets = torch.arange(batch, device=device)[:, None] * k
    for length in range(1, max_len):  # prefixes have `length` tokens; we add token number length+1
        logp = torch.log_softmax(stepper.logits(live.flatten(0, 1)).float(), dim=-1)  # (batch*k, V)
        cand_score, cand_beam, cand_token = top_extensions(logp.view(batch, k, -1), live_score, 2 * k)
        cand_seq = torch.cat(
            [live.gather(1, cand_beam[:, :, None].expand(-1, -1, length)), cand_token[:, :, None]], dim=2
        )  # (batch, 2k, length + 1)
        ends = (cand_token == cfg.eos_id) | (length + 1 >= max_len)  # finished (or out of room)
        # live on: the k best candidates that did not finish
        keep = (cand_score + ends.float() * _NEG).topk(k, dim=-1).indices  # (batch, k)
        live = cand_seq.gather(1, keep[:, :, None].expand(-1, -1, length + 1))
        live_score = cand_score.gather(1, keep) + ends.gather(1, keep).float() * _NEG
        stepper.reorder((cand_beam.gather(1, keep) + offsets).flatten())
        # finished: candidates among the first k ranks that end, scored with the length penalty
        new_done = ends & first_k
        scored = cand_score / (length**length_penalty)  # `length` generated tokens, eos included
        scored = scored + (~(new_done & open_)).float() * _NEG
        padded = torch.nn.functional.pad(cand_seq, (0, max_len - length - 1), value=cfg.pad_id)
        merged_seq, merged_score = torch.cat([done_seq, padded], 1), torch.cat([done_score, scored], 1)
        merged_full = torch.cat([done_full, new_done & open_], 1)
        best = merged_score.topk(k, dim=-1).indices
        done_seq = merged_seq.gather(1, best[:, :, None].expand(-1, -1, max_len))
        done_score, done_full = merged_score.gather(1, best), merged_full.gather(1, best)
        # can a live hypothesis still beat the worst finished one?
        best_live = live_score[:, :1] / (length**length_penalty)
        worst_done = torch.where(
            done_full, done_score.min(dim=1, keepdim=True).values, torch.full_like(done_score, _NEG)
        )
        open_ &= (best_live > worst_done).any(dim=1, keepdim=True)
        if not bool(open_.any()) or bool(ends.all()):
            break
    out = done_seq[:, 0]  # the best finished hypothesis of each sentence
    after = _after_eos(out, cfg.eos_id)
    used = int((~after).sum(dim=1).max())  # longest output, eos included
    return out.masked_fill(after, cfg.pad_id)[:, :used]


def _after_eos(ids: Tensor, eos_id: int) -> Tensor:
    """True at every position after the first eos of its row."""
    seen = (ids == eos_id).long().cumsum(dim=1)
    return (seen - (ids == eos_id).long()) > 0


def strip_special(ids: Tensor | list[int], bos_id: int, eos_id: int, pad_id: int) -> list[int]:
    """One output row -> its tokens without bos, stopping at the first eos (padding dropped)."""
    tokens = ids.tolist() if isinstance(ids, Tensor) else list(ids)
    result = []
    for token in tokens:
        if token == eos_id:
            break
        if token not in (bos_id, pad_id):
            result.append(token)
    return result
