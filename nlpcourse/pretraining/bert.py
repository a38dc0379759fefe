"""BERT (Devlin et al. 2019) built from the chapter-05 encoder layer.

    embeddings = LayerNorm(E_token[x_i] + E_position[i] + E_segment[s_i])      then dropout
    h = EncoderLayer_L( ... EncoderLayer_1(embeddings) ... )                     post-LN, GELU
    pooler = tanh(W_p h_[CLS] + b_p)

and the two pretraining heads of :class:`BertForPreTraining`:

    MLM: logits_i = LayerNorm(gelu(W_t h_i + b_t)) E_token^T + b    (decoder tied to the input embeddings)
    NSP: logits = W_s pooler + b_s                                   (class 0: B follows A, 1: B is random)

The module tree follows Hugging Face's ``modeling_bert.py`` (``embeddings``, ``encoder.layer.<i>``,
``pooler``, ``cls.predictions``, ``cls.seq_relationship``), so checkpoint keys are the same everywhere
except *inside* an encoder layer: there we reuse :class:`nlpcourse.transformer.EncoderLayer` with its
torch-style names, and :mod:`nlpcourse.pretraining.keys` maps one naming to the other (8 entries).

Differences from ``transformers.BertModel``, none of which changes a number in eval mode:
our ``EncoderLayer`` runs the three input projections as one stacked matmul and calls
``F.scaled_dot_product_attention``; its dropout inside the feed-forward network (torch's convention) is
set to 0, because BERT has none there. Masks are our keep-masks (True = attend).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.transformer import EncoderLayer, causal_mask

__all__ = [
    "IGNORE_INDEX",
    "BertConfig",
    "BertOutput",
    "PreTrainingOutput",
    "BertEmbeddings",
    "BertEncoder",
    "BertPooler",
    "BertModel",
    "BertPredictionHeadTransform",
    "BertLMPredictionHead",
    "BertPreTrainingHeads",
    "BertForPreTraining",
    "keep_mask",
    "load_strict",
]

#: Label of positions that take no part in a loss (not masked, padding): PyTorch's and transformers' -100.
IGNORE_INDEX = -100


@dataclass
class BertConfig:
    """Sizes of a BERT. Field names are those of ``transformers.BertConfig`` (and of ``config.json``).

    Defaults are a mini-BERT that pretrains on a laptop CPU in minutes; BERT-base is 768 wide, 12 layers,
    12 heads, 3072 intermediate, vocabulary 30522.
    """

    vocab_size: int = 4000  # WordPiece vocabulary, specials included
    hidden_size: int = 128  # width of every hidden vector, d_model
    num_hidden_layers: int = 2  # encoder layers
    num_attention_heads: int = 2  # heads; must divide hidden_size
    intermediate_size: int = 512  # feed-forward width, usually 4 * hidden_size
    hidden_act: str = "gelu"  # feed-forward activation: "gelu" (exact, erf) or "relu"
    hidden_dropout_prob: float = 0.1  # dropout on embeddings and sublayer outputs
    attention_probs_dropout_prob: float = 0.1  # dropout on attention weights
    max_position_embeddings: int = 128  # longest input; learned position vectors (BERT-base: 512)
    type_vocab_size: int = 2  # segments: 0 for sentence A, 1 for sentence B
    layer_norm_eps: float = 1e-12  # BERT's LayerNorm epsilon
    initializer_range: float = 0.02  # std of the normal initialisation of weights
    pad_token_id: int = 0  # id of [PAD]; its embedding row gets no gradient

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"hidden_size={self.hidden_size} is not divisible by num_attention_heads="
                f"{self.num_attention_heads}: pick a number of heads that divides it"
            )
        if self.hidden_act not in ("gelu", "relu"):
            raise ValueError(f"hidden_act must be 'gelu' or 'relu', got {self.hidden_act!r}")
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> BertConfig:
        """Take the fields this class knows from a dict (e.g. a checkpoint's ``config.json``)."""
        known = {f.name for f in fields(cls)}
        if values.get("model_type", "bert") != "bert":
            raise ValueError(f"not a BERT configuration: model_type is {values['model_type']!r}")
        if values.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(
                "only absolute (learned) position embeddings are supported, got "
                f"{values['position_embedding_type']!r}"
            )
        return cls(**{k: v for k, v in values.items() if k in known})

    @classmethod
    def from_json(cls, path: str | Path) -> BertConfig:
        """Read a checkpoint's ``config.json``."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    @classmethod
    def from_transformers(cls, config: Any) -> BertConfig:
        """From a ``transformers.BertConfig``."""
        return cls.from_dict(config.to_dict())

    def to_transformers(self, **overrides: Any) -> Any:
        """The equivalent ``transformers.BertConfig`` (eager attention unless overridden)."""
        from transformers import BertConfig as HFBertConfig

        options: dict[str, Any] = {**asdict(self), "attn_implementation": "eager", **overrides}
        return HFBertConfig(**options)


class BertOutput(NamedTuple):
    """What :class:`BertModel` returns (a tuple: ``hidden, pooled = bert(ids)`` works)."""

    last_hidden_state: Tensor  # (batch, seq, hidden)
    pooler_output: Tensor | None  # (batch, hidden): tanh(W h_[CLS] + b); None without a pooler


class PreTrainingOutput(NamedTuple):
    """The first element of what :class:`BertForPreTraining` returns, ``(output, loss)``."""

    mlm_logits: Tensor | None  # (batch, seq, vocab): every position, when no labels are given; else None
    nsp_logits: Tensor  # (batch, 2): scores of "B follows A" (0) and "B is random" (1)
    mlm_loss: Tensor | None  # mean cross-entropy over the masked positions
    nsp_loss: Tensor | None  # mean cross-entropy of the NSP classifier
    masked_logits: Tensor | None = None  # (num_masked, vocab): the masked positions only, with labels


def keep_mask(attention_mask: Tensor | None, seq_len: int, causal: bool = False) -> Tensor | None:
    """Turn transformers' ``attention_mask`` (batch, seq), 1 = token, 0 = padding, into our keep-mask.

    Returns ``None`` (attend everywhere: no mask, or no padding), a ``(batch, 1, 1, seq)`` bool mask hiding
    padding keys, or with ``causal`` a mask that also hides later positions: ``(1, 1, seq, seq)`` or
    ``(batch, 1, seq, seq)``.
    """
    keep = None
    if attention_mask is not None:
        if attention_mask.dim() != 2 or attention_mask.size(1) != seq_len:
            raise ValueError(
                f"attention_mask must be (batch, seq={seq_len}) with 1 for tokens and 0 for "
                f"padding, got shape {tuple(attention_mask.shape)}"
            )
        if not attention_mask.all():  # without padding no mask is needed, and attention runs faster
            keep = attention_mask.bool()[:, None, None, :]  # (batch, 1, 1, seq_k)
    if causal:
        device = attention_mask.device if attention_mask is not None else None
        future = causal_mask(seq_len, device=device)[None, None]  # (1, 1, seq_q, seq_k)
        keep = future if keep is None else keep & future
    return keep


def _init_weights(module: nn.Module, std: float) -> None:
    """BERT's initialisation: normal(0, std) weights, zero biases, LayerNorm (1, 0), zero padding row."""
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if module.padding_idx is not None:
            nn.init.zeros_(module.weight[module.padding_idx])
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


class BertEmbeddings(nn.Module):
    """Token + learned position + segment embeddings, LayerNorm, dropout: (batch, seq) -> (batch, seq, H)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(
            config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id
        )
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)  # noqa: N815 (checkpoint key)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None) -> Tensor:
        seq = input_ids.size(1)
        if seq > self.position_embeddings.num_embeddings:
            raise ValueError(
                f"sequence length {seq} exceeds max_position_embeddings="
                f"{self.position_embeddings.num_embeddings}: truncate the input"
            )
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        positions = torch.arange(seq, device=input_ids.device)  # 0, 1, ..., seq - 1
        x = (
            self.word_embeddings(input_ids)
            + self.token_type_embeddings(token_type_ids)
            + self.position_embeddings(positions)
        )
        return self.dropout(self.LayerNorm(x))


class BertEncoder(nn.Module):
    """``num_hidden_layers`` post-LN :class:`~nlpcourse.transformer.EncoderLayer` in ``layer``."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList()
        for _ in range(config.num_hidden_layers):
            self.layer.append(
                EncoderLayer(
                    config.hidden_size,
                    config.num_attention_heads,
                    config.intermediate_size,
                    dropout=config.hidden_dropout_prob,
                    activation=config.hidden_act,
                    norm_first=False,
                    layer_norm_eps=config.layer_norm_eps,
                    attention_dropout=config.attention_probs_dropout_prob,  # BERT's own rate for the weights
                    ffn_dropout=0.0,  # BERT has no dropout between the FFN's two linear layers
                )
            )

    def forward(self, x: Tensor, mask: Tensor | None = None, need_weights: bool = False) -> Tensor:
        for block in self.layer:
            x = block(x, mask=mask, need_weights=need_weights)
        return x

    def attention_maps(self) -> list[Tensor]:
        """Per-layer attention weights ``(batch, heads, seq, seq)`` of the last ``need_weights`` pass."""
        maps = [block.last_attention for block in self.layer]
        if any(m is None for m in maps):
            raise RuntimeError("no attention weights stored: run the model with need_weights=True first")
        return maps


class BertPooler(nn.Module):
    """pooler = tanh(W h_[CLS] + b): the sentence vector that NSP (and classifiers) read."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden: Tensor) -> Tensor:
        return self.activation(self.dense(hidden[:, 0]))  # (batch, hidden), position 0 is [CLS]


class BertModel(nn.Module):
    """The BERT body: ``forward(input_ids, token_type_ids=None, attention_mask=None)`` -> :class:`BertOutput`.

    input_ids, token_type_ids: ``(batch, seq)`` longs; attention_mask: ``(batch, seq)``, 1 = token,
    0 = padding (as the tokenizers return it). ``causal=True`` lets position i see positions <= i only
    (the GPT-style objective of :class:`~nlpcourse.pretraining.CausalLM`). ``need_weights=True`` keeps
    every layer's attention weights for :meth:`attention_maps`.
    """

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True):
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.apply(lambda m: _init_weights(m, config.initializer_range))

    def forward(
        self,
        input_ids: Tensor,
        token_type_ids: Tensor | None = None,
        attention_mask: Tensor | None = None,
        *,
        causal: bool = False,
        need_weights: bool = False,
    ) -> BertOutput:
        if input_ids.dim() != 2 or input_ids.dtype.is_floating_point:
            raise ValueError(
                f"input_ids must be integer ids of shape (batch, seq), got shape "
                f"{tuple(input_ids.shape)} and dtype {input_ids.dtype}"
            )
        if token_type_ids is not None and token_type_ids.shape != input_ids.shape:
            raise ValueError(
                f"token_type_ids {tuple(token_type_ids.shape)} must have the shape of "
                f"input_ids {tuple(input_ids.shape)}"
            )
        mask = keep_mask(attention_mask, input_ids.size(1), causal)
        hidden = self.encoder(self.embeddings(input_ids, token_type_ids), mask, need_weights)
        pooled = self.pooler(hidden) if self.pooler is not None else None
        return BertOutput(hidden, pooled)

    def attention_maps(self) -> list[Tensor]:
        """Per-layer attention weights ``(batch, heads, seq, seq)`` from a ``need_weights=True`` pass."""
        return self.encoder.attention_maps()

    # --- checkpoints of transformers (key names in nlpcourse.pretraining.keys) ---------------------

    def load_transformers_state_dict(self, state_dict: dict[str, Tensor]) -> None:
        """Load a transformers ``BertModel`` checkpoint (a ``bert.`` prefix and any heads are dropped)."""
        from nlpcourse.pretraining.keys import from_transformers

        load_strict(self, from_transformers(state_dict, heads=False), "BertModel")

    @classmethod
    def from_transformers(cls, model: Any) -> BertModel:
        """A copy of a ``transformers.BertModel`` (or of the ``bert`` body of any BERT), weights included."""
        body = getattr(model, "bert", model)
        ours = cls(BertConfig.from_transformers(body.config), add_pooling_layer=body.pooler is not None)
        ours.load_transformers_state_dict(body.state_dict())
        return ours.eval()

    def to_transformers(self) -> Any:
        """A ``transformers.BertModel`` (eager attention) with the same weights."""
        from transformers import BertModel as HFBertModel

        from nlpcourse.pretraining.keys import to_transformers

        model = HFBertModel(self.config.to_transformers(), add_pooling_layer=self.pooler is not None)
        model.load_state_dict(to_transformers(self.state_dict()), strict=True)
        return model.train(self.training)


class BertPredictionHeadTransform(nn.Module):
    """h -> LayerNorm(act(W_t h + b_t)): one more layer before the vocabulary projection."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = F.gelu if config.hidden_act == "gelu" else F.relu
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)  # noqa: N815 (checkpoint key)

    def forward(self, hidden: Tensor) -> Tensor:
        return self.LayerNorm(self.act(self.dense(hidden)))


class BertLMPredictionHead(nn.Module):
    """MLM head: logits = transform(h) E^T + b, with E the input embedding matrix (tied weights)."""

    def __init__(self, config: BertConfig, word_embeddings: nn.Embedding):
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.transform.apply(lambda m: _init_weights(m, config.initializer_range))
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.decoder.weight = word_embeddings.weight  # tied: one matrix reads and writes tokens
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))  # an output-only bias per token

    def forward(self, hidden: Tensor) -> Tensor:
        """(..., hidden) -> (..., vocab)."""
        return self.decoder(self.transform(hidden)) + self.bias


class BertPreTrainingHeads(nn.Module):
    """``predictions`` (MLM) and ``seq_relationship`` (NSP), named as in transformers."""

    def __init__(self, config: BertConfig, word_embeddings: nn.Embedding):
        super().__init__()
        self.predictions = BertLMPredictionHead(config, word_embeddings)
        self.seq_relationship = nn.Linear(config.hidden_size, 2)
        _init_weights(self.seq_relationship, config.initializer_range)


class BertForPreTraining(nn.Module):
    """BERT with its two pretraining heads. ``model(*batch)`` returns ``(PreTrainingOutput, loss)``.

    ``forward(input_ids, token_type_ids, attention_mask, labels=None, next_sentence_label=None)``:
    ``labels`` ``(batch, seq)`` holds the original id at masked positions and :data:`IGNORE_INDEX`
    elsewhere; ``next_sentence_label`` ``(batch,)`` is 0 (B follows A) or 1 (B is random). With labels,
    the MLM head runs **only at the masked positions** (about 15% of them): the vocabulary projection is
    the largest matrix product of a small BERT, so this saves most of its cost; those logits are
    ``output.masked_logits`` ``(num_masked, vocab)``, while ``output.mlm_logits`` ``(batch, seq, vocab)``
    is filled only without labels (each field has one shape). ``loss`` is
    ``mlm_loss + nsp_loss`` (those given), as in ``transformers.BertForPreTraining``. A batch with no
    masked position has an MLM loss of 0 (transformers would give NaN).
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config)
        self.cls = BertPreTrainingHeads(config, self.bert.embeddings.word_embeddings)

    def forward(
        self,
        input_ids: Tensor,
        token_type_ids: Tensor | None = None,
        attention_mask: Tensor | None = None,
        labels: Tensor | None = None,
        next_sentence_label: Tensor | None = None,
    ) -> tuple[PreTrainingOutput, Tensor | None]:
        hidden, pooled = self.bert(input_ids, token_type_ids, attention_mask)
        nsp_logits = self.cls.seq_relationship(pooled)  # (batch, 2)
        mlm_loss = nsp_loss = mlm_logits = masked_logits = None
        if labels is None:
            mlm_logits = self.cls.predictions(hidden)  # (batch, seq, vocab)
        else:
            if labels.shape != input_ids.shape:
                raise ValueError(
                    f"labels {tuple(labels.shape)} must have the shape of input_ids "
                    f"{tuple(input_ids.shape)}, with {IGNORE_INDEX} where nothing is predicted"
                )
            masked = labels != IGNORE_INDEX  # (batch, seq)
            masked_logits = self.cls.predictions(hidden[masked])  # (num_masked, vocab)
            targets = labels[masked]
            mlm_loss = (
                F.cross_entropy(masked_logits, targets) if targets.numel() else masked_logits.sum() * 0.0
            )
        if next_sentence_label is not None:
            nsp_loss = F.cross_entropy(nsp_logits, next_sentence_label)
        if mlm_loss is not None and nsp_loss is not None:
            loss = mlm_loss + nsp_loss
        else:
            loss = mlm_loss if mlm_loss is not None else nsp_loss
        return PreTrainingOutput(mlm_logits, nsp_logits, mlm_loss, nsp_loss, masked_logits), loss

    def load_transformers_state_dict(self, state_dict: dict[str, Tensor]) -> None:
        """Load a ``transformers.BertForPreTraining`` checkpoint (``bert.`` and ``cls.`` keys)."""
        from nlpcourse.pretraining.keys import from_transformers

        load_strict(self, from_transformers(state_dict, heads=True), "BertForPreTraining")

    @classmethod
    def from_transformers(cls, model: Any) -> BertForPreTraining:
        """A copy of a ``transformers.BertForPreTraining``, weights included."""
        ours = cls(BertConfig.from_transformers(model.config))
        ours.load_transformers_state_dict(model.state_dict())
        return ours.eval()

    def to_transformers(self) -> Any:
        """A ``transformers.BertForPreTraining`` (eager attention) with the same weights."""
        from transformers import BertForPreTraining as HFBertForPreTraining

        from nlpcourse.pretraining.keys import to_transformers

        model = HFBertForPreTraining(self.config.to_transformers())
        model.load_state_dict(to_transformers(self.state_dict()), strict=True)
        return model.train(self.training)


def load_strict(model: nn.Module, state_dict: dict[str, Tensor], what: str) -> None:
    """``load_state_dict`` that names missing and unexpected keys (tied decoder weights aside)."""
    tied = {name for name in model.state_dict() if name.endswith("predictions.decoder.weight")}
    state_dict = {k: v for k, v in state_dict.items() if k not in tied}
    result = model.load_state_dict(state_dict, strict=False)
    missing = [k for k in result.missing_keys if k not in tied]
    if missing or result.unexpected_keys:
        raise KeyError(
            f"this checkpoint does not fit our {what}: missing {missing[:6]}, unexpected "
            f"{result.unexpected_keys[:6]}; see nlpcourse.pretraining.keys for the key names"
        )
