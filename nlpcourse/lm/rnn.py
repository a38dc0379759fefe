"""Recurrent language models, word- or character-level: truncated BPTT, perplexity, sampling.

    vocab = Vocab.build(train_sentences, min_freq=3)        # or characters: Vocab.build(map(list, texts))
    model = RNNLM(RNNLMConfig(vocab_size=len(vocab)))
    stream = encode_stream(train_sentences, vocab)          # <bos> w_1 .. w_m <eos> <bos> ... (1-D ids)
    history = train_lm(model, stream, steps=600, skip_id=vocab.bos_id,
                       evaluate=lambda m: {"val_ppl": sentence_perplexity(m, valid_ids, vocab)},
                       eval_every=100)
    sample(model, vocab, temperature=0.8, top_k=40)         # ['return', 'the', 'number', ...]

The model reads ``<bos> w_1 .. w_m`` and predicts ``w_1 .. w_m <eos>``: the same tokens an n-gram model
predicts, so perplexities compare. Training cuts the concatenated text into ``batch_size`` parallel rows
and walks along them ``bptt`` tokens at a time, carrying the recurrent state from one window to the next
but cutting the gradient there (truncated backpropagation through time); :class:`TruncatedBPTT` does
this through the ``loss_fn`` hook of the shared loop :func:`nlpcourse.train.train`, which also clips the
gradient norm, shows a tqdm bar and returns a history for :func:`nlpcourse.plots.plot_history`.
A one-layer LSTM of 256 units over 3,300 words trains at about 10k tokens per second on one CPU thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.lm.cells import Recurrent
from nlpcourse.text.vocab import Vocab
from nlpcourse.train import History, train

__all__ = [
    "RNNLMConfig",
    "RNNLM",
    "encode_stream",
    "encode_sentences",
    "batchify",
    "TruncatedBPTT",
    "train_lm",
    "sentence_perplexity",
    "stream_perplexity",
    "next_token_probs",
    "sample",
]

CELLS = ("rnn", "lstm", "torch_rnn", "torch_lstm", "torch_gru")


@dataclass
class RNNLMConfig:
    vocab_size: int
    embedding_dim: int = 256  # size of the word vectors
    hidden_size: int = 256  # size of the recurrent state h (and the LSTM's cell state c)
    num_layers: int = 1  # stacked recurrent layers
    cell: str = "torch_lstm"  # "rnn", "lstm": ours, step by step (to read); "torch_*": PyTorch's (to train)
    dropout: float = 0.0  # on the embeddings, between layers and before the output layer
    tie_weights: bool = True  # the output layer reuses the embedding matrix (Press and Wolf, 2017)
    pad_id: int = 0  # targets equal to it are left out of the loss


class RNNLM(nn.Module):
    """Embedding -> recurrent layers -> (projection) -> logits over the vocabulary.

    forward(idx: (batch, seq), targets: (batch, seq) | None, state) -> (logits: (batch, seq, vocab),
    mean cross-entropy over non-pad targets or None, final state). A state of None starts from zeros.
    """

    def __init__(self, config: RNNLMConfig) -> None:
        super().__init__()
        if config.cell not in CELLS:
            raise ValueError(f"unknown cell {config.cell!r}: choose one of {', '.join(CELLS)}")
        self.config = config
        e, h = config.embedding_dim, config.hidden_size
        self.embedding = nn.Embedding(config.vocab_size, e)
        between = config.dropout if config.num_layers > 1 else 0.0
        if config.cell in ("rnn", "lstm"):
            self.rnn = Recurrent(config.cell, e, h, config.num_layers, dropout=between)
        else:
            layer = {"torch_rnn": nn.RNN, "torch_lstm": nn.LSTM, "torch_gru": nn.GRU}[config.cell]
            self.rnn = layer(e, h, config.num_layers, batch_first=True, dropout=between)
        self.drop = nn.Dropout(config.dropout)
        self.proj = nn.Linear(h, e) if config.tie_weights and h != e else None
        self.head = nn.Linear(e if config.tie_weights else h, config.vocab_size)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)  # small logits at the start
        nn.init.zeros_(self.head.bias)
        if config.tie_weights:
            self.head.weight = self.embedding.weight
        else:
            nn.init.uniform_(self.head.weight, -0.1, 0.1)

    def forward(
        self, idx: Tensor, targets: Tensor | None = None, state=None
    ) -> tuple[Tensor, Tensor | None, object]:
        out, state = self.rnn(self.drop(self.embedding(idx)), state)
        out = self.drop(out)
        logits = self.head(self.proj(out) if self.proj is not None else out)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=self.config.pad_id)
        return logits, loss, state

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


# --- data ------------------------------------------------------------------------------------------


def encode_sentences(sentences: Sequence[Sequence[str]], vocab: Vocab) -> list[list[int]]:
    """Token ids of each sentence (unknown tokens -> ``<unk>``), without markers."""
    return [vocab.encode(sentence) for sentence in sentences]


def encode_stream(sentences: Sequence[Sequence[str]], vocab: Vocab) -> Tensor:
    """All sentences as one 1-D int64 tensor: ``<bos> w_1 .. w_m <eos>`` after one another."""
    ids: list[int] = []
    for sentence in encode_sentences(sentences, vocab):
        ids += [vocab.bos_id, *sentence, vocab.eos_id]
    if len(ids) < 2:
        raise ValueError("no tokens to train on: pass at least one sentence")
    return torch.tensor(ids, dtype=torch.long)


def batchify(stream: Tensor, batch_size: int) -> Tensor:
    """Cut a 1-D stream into ``batch_size`` contiguous rows: (batch_size, len(stream) // batch_size).

    Row r holds tokens r * n .. (r + 1) * n - 1, so reading all rows in step walks through
    ``batch_size`` distant places of the text at once; the last len(stream) % batch_size tokens are dropped.
    """
    if stream.dim() != 1:
        raise ValueError(f"stream must be 1-D, got shape {tuple(stream.shape)}")
    n = len(stream) // batch_size
    if n < 2:
        raise ValueError(f"a stream of {len(stream)} tokens is too short for {batch_size} rows of at least 2")
    return stream[: n * batch_size].view(batch_size, n)


class TruncatedBPTT:
    """Windows of a batchified stream, and the loss that carries the state between them.

    Use ``batch`` as the ``batches`` function and the object itself as the ``loss_fn`` of
    :func:`nlpcourse.train.train`. Step s reads window s % num_windows: inputs ``data[:, i:i + bptt]``,
    targets shifted by one. The state after a window is detached (the gradient stops) and fed to the
    next window; it is reset to zeros when the walk starts over. Targets equal to ``skip_id`` (the
    ``<bos>`` that follows each ``<eos>``) are not predicted.
    """

    def __init__(self, data: Tensor, bptt: int, skip_id: int | None = None, pad_id: int = 0) -> None:
        if bptt < 1:
            raise ValueError(f"bptt must be >= 1, got {bptt}")
        self.data, self.bptt, self.skip_id, self.pad_id = data, bptt, skip_id, pad_id
        self.starts = list(range(0, data.shape[1] - 1, bptt))
        self.state = None

    @property
    def num_windows(self) -> int:
        return len(self.starts)

    def batch(self, step: int) -> tuple[Tensor, Tensor, bool]:
        """(inputs (batch, <= bptt), targets (batch, <= bptt), whether the walk starts over here)."""
        window = step % self.num_windows
        i = self.starts[window]
        length = min(self.bptt, self.data.shape[1] - 1 - i)
        x, y = self.data[:, i : i + length], self.data[:, i + 1 : i + 1 + length]
        if self.skip_id is not None:
            y = y.masked_fill(y == self.skip_id, self.pad_id)
        return x, y, window == 0

    def __call__(self, model: nn.Module, batch: tuple[Tensor, Tensor, bool]) -> Tensor:
        x, y, restart = batch
        if restart:
            self.state = None
        _, loss, state = model(x, y, self.state)
        self.state = detach(state)
        return loss


def detach(state):
    """Cut the gradient at a state: a tensor or a tuple of tensors (the LSTM's (h, c))."""
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_lm(
    model: RNNLM,
    stream: Tensor,
    *,
    steps: int,
    batch_size: int = 32,
    bptt: int = 35,
    lr: float = 3e-3,
    clip: float | None = 0.5,
    skip_id: int | None = None,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    eval_every: int = 0,
    history: History | None = None,
    progress: bool = True,
    desc: str = "training",
) -> History:
    """Adam with a cosine learning-rate decay, truncated BPTT and gradient clipping, in the shared loop.

    Returns the history: ``loss`` and ``grad_norm`` (before clipping) per step, and whatever
    ``evaluate`` returns every ``eval_every`` steps.
    """
    walk = TruncatedBPTT(batchify(stream, batch_size), bptt, skip_id=skip_id, pad_id=model.config.pad_id)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(steps, 1), eta_min=lr / 20)
    return train(
        model,
        walk.batch,
        steps,
        optimizer,
        loss_fn=walk,
        clip=clip,
        scheduler=scheduler,
        evaluate=evaluate,
        eval_every=eval_every,
        history=history,
        progress=progress,
        desc=desc,
    )


# --- evaluation ------------------------------------------------------------------------------------


@torch.no_grad()
def sentence_perplexity(
    model: RNNLM, sentences: Sequence[Sequence[int]], vocab: Vocab, batch_size: int = 64
) -> float:
    """exp(mean cross-entropy) over every word and ``<eos>`` of every sentence, each read from a fresh
    state after ``<bos>``: the tokens and the context an n-gram model gets. ``sentences``: lists of ids."""
    was_training = model.training
    model.eval()
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    total, count = 0.0, 0
    for start in range(0, len(order), batch_size):
        group = [sentences[i] for i in order[start : start + batch_size]]
        width = max(len(s) for s in group) + 1
        x = torch.full((len(group), width), model.config.pad_id, dtype=torch.long)
        y = torch.full((len(group), width), model.config.pad_id, dtype=torch.long)
        for row, ids in enumerate(group):
            x[row, : len(ids) + 1] = torch.tensor([vocab.bos_id, *ids])
            y[row, : len(ids) + 1] = torch.tensor([*ids, vocab.eos_id])
        logits, _, _ = model(x)
        total += F.cross_entropy(
            logits.flatten(0, 1), y.flatten(), ignore_index=model.config.pad_id, reduction="sum"
        ).item()
        count += int((y != model.config.pad_id).sum())
    model.train(was_training)
    if count == 0:
        raise ValueError("no sentences to evaluate: pass at least one")
    return math.exp(total / count)


@torch.no_grad()
def stream_perplexity(model: RNNLM, stream: Tensor, vocab: Vocab, rows: int = 16, bptt: int = 200) -> float:
    """Perplexity on running text, the state carried across sentence boundaries (the model may use the
    previous sentences), over the same tokens as :func:`sentence_perplexity`: every word and ``<eos>``."""
    was_training = model.training
    model.eval()
    data = batchify(stream, rows)
    total, count, state = 0.0, 0, None
    for i in range(0, data.shape[1] - 1, bptt):
        x, y = data[:, i : i + bptt], data[:, i + 1 : i + 1 + bptt]
        x = x[:, : y.shape[1]]
        y = y.masked_fill(y == vocab.bos_id, model.config.pad_id)
        logits, _, state = model(x, None, state)
        total += F.cross_entropy(
            logits.flatten(0, 1), y.flatten(), ignore_index=model.config.pad_id, reduction="sum"
        ).item()
        count += int((y != model.config.pad_id).sum())
    model.train(was_training)
    return math.exp(total / count)


# --- sampling --------------------------------------------------------------------------------------


def next_token_probs(logits: Tensor, temperature: float = 1.0, top_k: int | None = None) -> Tensor:
    """softmax(logits / T) kept to the ``top_k`` largest logits (the rest get 0); T = 0 is argmax.

    logits: (..., vocab) -> probabilities of the same shape.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1 or None, got {top_k}")
    if temperature == 0:
        return F.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.softmax(logits, dim=-1)


@torch.no_grad()
def sample(
    model: RNNLM,
    vocab: Vocab,
    max_tokens: int = 40,
    temperature: float = 1.0,
    top_k: int | None = None,
    prefix: Sequence[str] = (),
    generator: torch.Generator | None = None,
) -> list[str]:
    """Draw tokens one at a time after ``<bos> prefix`` until ``<eos>`` or ``max_tokens``; returns the
    prefix and the drawn tokens (join characters with ``"".join`` for a character-level model)."""
    was_training = model.training
    model.eval()
    never = [vocab.bos_id, model.config.pad_id]
    ids = torch.tensor([[vocab.bos_id, *vocab.encode(list(prefix))]])
    tokens, state = list(prefix), None
    for _ in range(max_tokens):
        logits, _, state = model(ids, None, state)
        logits = logits[0, -1].clone()
        logits[never] = float("-inf")
        token = int(torch.multinomial(next_token_probs(logits, temperature, top_k), 1, generator=generator))
        if token == vocab.eos_id:
            break
        tokens.append(vocab.id_to_token(token))
        ids = torch.tensor([[token]])
    model.train(was_training)
    return tokens
