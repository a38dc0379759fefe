"""Chapter 05: attention and the Transformer encoder.

Vaswani et al. 2017, "Attention Is All You Need".

One module per concept, in the order the chapter teaches them:

* :mod:`~nlpcourse.transformer.attention`: scaled dot-product attention and keep-masks.
* :mod:`~nlpcourse.transformer.multihead`: multi-head attention.
* :mod:`~nlpcourse.transformer.positional`: sinusoidal positional encoding.
* :mod:`~nlpcourse.transformer.encoder`: the encoder layer (post-LN / pre-LN) and the encoder.
* :mod:`~nlpcourse.transformer.reversal`: a sequence-reversal task that needs attention.

Chapter 09 adds the decoder side:

* :mod:`~nlpcourse.transformer.decoder`: the decoder layer (masked self-attention, cross-attention)
  and the decoder.
* :mod:`~nlpcourse.transformer.seq2seq`: the encoder–decoder Transformer.
* :mod:`~nlpcourse.transformer.cache`: key/value cache for incremental decoding.
* :mod:`~nlpcourse.transformer.decoding`: greedy decoding and beam search.
* :mod:`~nlpcourse.transformer.marian`: the same weights in a transformers ``MarianMTModel``.
"""

from nlpcourse.transformer.attention import (
    causal_mask,
    check_keep_mask,
    padding_mask,
    scaled_dot_product_attention,
)
from nlpcourse.transformer.cache import DecoderCache, LayerCache
from nlpcourse.transformer.decoder import Decoder, DecoderLayer, decoder_self_mask
from nlpcourse.transformer.decoding import beam_search, greedy_decode, top_extensions
from nlpcourse.transformer.encoder import Encoder, EncoderConfig, EncoderLayer
from nlpcourse.transformer.multihead import MultiHeadAttention, merge_heads, split_heads
from nlpcourse.transformer.positional import PositionalEncoding, sinusoidal_positional_encoding
from nlpcourse.transformer.reversal import (
    ReversalModel,
    reversal_accuracy,
    reversal_batch,
    train_reversal,
)
from nlpcourse.transformer.seq2seq import Transformer, TransformerConfig

__all__ = [
    "scaled_dot_product_attention",
    "padding_mask",
    "causal_mask",
    "check_keep_mask",
    "split_heads",
    "merge_heads",
    "MultiHeadAttention",
    "sinusoidal_positional_encoding",
    "PositionalEncoding",
    "EncoderConfig",
    "EncoderLayer",
    "Encoder",
    "reversal_batch",
    "ReversalModel",
    "train_reversal",
    "reversal_accuracy",
    "decoder_self_mask",
    "DecoderLayer",
    "Decoder",
    "LayerCache",
    "DecoderCache",
    "TransformerConfig",
    "Transformer",
    "greedy_decode",
    "beam_search",
    "top_extensions",
]
