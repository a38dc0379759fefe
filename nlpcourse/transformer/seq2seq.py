"""The encoder–decoder Transformer for sequence-to-sequence tasks (Vaswani et al. 2017, figure 1).

    memory = Encoder(source)                                 (batch, seq_s, d_model)
    h      = Decoder(target_in, memory)                      (batch, seq_t, d_model)
    logits = h E_tgt^T                                        (batch, seq_t, tgt_vocab)

The output projection is tied to the target embedding ``E_tgt`` (section 3.4). Training uses
*teacher forcing*: the decoder reads the reference shifted right (``<bos> y_1 .. y_{T-1}``) and
predicts ``y_1 .. y_T <eos>`` at every position in parallel; the causal mask keeps position t
from seeing the token it must predict.

With ``share_embeddings=True`` source and target use one vocabulary and one embedding table (the
paper's shared BPE); the default keeps them apart (English words in, Chinese characters out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nlpcourse.transformer.attention import padding_mask
from nlpcourse.transformer.cache import DecoderCache
from nlpcourse.transformer.decoder import Decoder
from nlpcourse.transformer.encoder import _ACTIVATIONS, Encoder, EncoderConfig

__all__ = ["TransformerConfig", "Transformer"]


@dataclass
class TransformerConfig:
    """Sizes and special ids of a :class:`Transformer`. Defaults train on a CPU in a minute."""

    src_vocab_size: int = 64  # source token ids
    tgt_vocab_size: int = 64  # target token ids
    d_model: int = 128  # width of every hidden vector (paper: 512)
    num_heads: int = 4  # attention heads (paper: 8)
    d_ff: int = 512  # feed-forward hidden width (paper: 2048)
    num_encoder_layers: int = 2  # paper: 6
    num_decoder_layers: int = 2  # paper: 6
    max_len: int = 64  # longest source or target the positional table covers
    dropout: float = 0.0  # paper: 0.1
    norm_first: bool = False  # False: post-LN (paper, Marian); True: pre-LN
    activation: str = "relu"
    layer_norm_eps: float = 1e-5
    share_embeddings: bool = False  # one table for source and target (needs equal vocab sizes)
    pad_id: int = 0  # padding, in both vocabularies
    bos_id: int = 1  # first decoder input ("begin of sentence")
    eos_id: int = 2  # end of sentence: decoding stops when it is generated

    def __post_init__(self) -> None:
        if self.d_model % self.num_heads:
            raise ValueError(f"d_model={self.d_model} is not divisible by num_heads={self.num_heads}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}")
        if self.share_embeddings and self.src_vocab_size != self.tgt_vocab_size:
            raise ValueError(
                f"share_embeddings needs one vocabulary, got src_vocab_size="
                f"{self.src_vocab_size} and tgt_vocab_size={self.tgt_vocab_size}: set "
                "share_embeddings=False"
            )
        ids = {self.pad_id, self.bos_id, self.eos_id}
        if len(ids) != 3 or min(ids) < 0 or max(ids) >= min(self.src_vocab_size, self.tgt_vocab_size):
            raise ValueError("pad_id, bos_id and eos_id must be three different ids inside both vocabularies")

    def encoder_config(self) -> EncoderConfig:
        return EncoderConfig(
            self.src_vocab_size,
            self.d_model,
            self.num_heads,
            self.d_ff,
            self.num_encoder_layers,
            self.max_len,
            self.dropout,
            self.norm_first,
            self.activation,
            self.layer_norm_eps,
        )


class Transformer(nn.Module):
    """Encoder, decoder and a tied output layer.

    ``forward(src, tgt_in, tgt_out=None)`` -> ``(logits, loss)``: ``src`` ``(batch, seq_s)``,
    ``tgt_in`` ``(batch, seq_t)`` (starts with ``bos_id``), ``tgt_out`` ``(batch, seq_t)`` (the
    same shifted left, ending with ``eos_id``; padding ignored). ``logits`` ``(batch, seq_t,
    tgt_vocab)``; ``loss`` the mean cross-entropy, ``None`` without ``tgt_out``.

    ``encoder``: any module ``encoder(src, mask=keep_mask) -> (batch, seq_s, d_model)`` to use
    instead of a fresh :class:`Encoder` (e.g. a pretrained one, :mod:`nlpcourse.translation.minilm`);
    ``decoder_layer``: a function returning a decoder layer of your own (see :class:`Decoder`).
    """

    def __init__(
        self,
        config: TransformerConfig,
        encoder: nn.Module | None = None,
        decoder_layer: Callable[[], nn.Module] | None = None,
    ):
        super().__init__()
        if encoder is not None and config.share_embeddings:
            raise ValueError("share_embeddings needs the model's own encoder: pass encoder=None")
        self.config = config
        self.encoder = encoder if encoder is not None else Encoder(config.encoder_config())
        self.decoder = Decoder(
            config.tgt_vocab_size,
            config.d_model,
            config.num_heads,
            config.d_ff,
            config.num_decoder_layers,
            config.max_len,
            config.dropout,
            config.activation,
            config.norm_first,
            config.layer_norm_eps,
            layer=decoder_layer,
        )
        if config.share_embeddings:
            self.decoder.embed = self.encoder.embed

    def encode(self, src: Tensor) -> tuple[Tensor, Tensor]:
        """``src`` ``(batch, seq_s)`` -> memory ``(batch, seq_s, d_model)`` and its keep-mask
        ``(batch, 1, 1, seq_s)`` (False at padding)."""
        self._check_ids("src", src, self.config.src_vocab_size)
        mask = padding_mask(src, pad_id=self.config.pad_id)
        return self.encoder(src, mask=mask), mask

    def decode(
        self,
        tgt: Tensor,
        memory: Tensor,
        memory_mask: Tensor | None,
        cache: DecoderCache | None = None,
        need_weights: bool = False,
    ) -> Tensor:
        """Logits ``(batch, seq_t, tgt_vocab)`` for target ids ``tgt`` (the new ones with a cache)."""
        self._check_ids("tgt", tgt, self.config.tgt_vocab_size)
        h = self.decoder(tgt, memory, memory_mask=memory_mask, cache=cache, need_weights=need_weights)
        return h @ self.decoder.embed.weight.T  # tied output layer: logits = h E^T

    def new_cache(self) -> DecoderCache:
        return self.decoder.new_cache()

    def forward(
        self, src: Tensor, tgt_in: Tensor, tgt_out: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        memory, memory_mask = self.encode(src)
        logits = self.decode(tgt_in, memory, memory_mask)
        loss = None
        if tgt_out is not None:
            if tgt_out.shape != tgt_in.shape:
                raise ValueError(
                    f"tgt_out {tuple(tgt_out.shape)} must have the shape of tgt_in "
                    f"{tuple(tgt_in.shape)}: it is the same sequence shifted by one"
                )
            loss = F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=self.config.pad_id)
        return logits, loss

    @staticmethod
    def _check_ids(name: str, ids: Tensor, vocab_size: int) -> None:
        if not isinstance(ids, Tensor) or ids.dim() != 2 or ids.dtype.is_floating_point:
            raise ValueError(
                f"{name} must be a (batch, seq) tensor of token ids, got "
                f"{tuple(ids.shape) if isinstance(ids, Tensor) else type(ids).__name__}: "
                "add a batch dim with .unsqueeze(0)"
            )
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
            raise ValueError(
                f"{name} holds ids outside the vocabulary [0, {vocab_size}): got "
                f"{int(ids.min())}..{int(ids.max())}; encode text with the model's tokenizer"
            )

    @torch.no_grad()
    def cross_attention(self, src: Tensor, tgt: Tensor) -> list[Tensor]:
        """Per-layer cross-attention weights ``(batch, heads, seq_t, seq_s)`` for a forced target."""
        memory, memory_mask = self.encode(src)
        self.decode(tgt, memory, memory_mask, need_weights=True)
        return self.decoder.cross_attention_maps()
