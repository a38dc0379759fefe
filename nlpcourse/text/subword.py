"""Subword tokenizers for real use, trained with the Hugging Face ``tokenizers`` library (Rust, fast).

    bert_tok = train_wordpiece_tokenizer(texts, vocab_size=2000)
    enc = bert_tok.encode("The cat sat.", "It was tired.")
    enc.tokens   # e.g. ['[CLS]', 'the', 'cat', 'sat', '.', '[SEP]', 'it', 'was', 'ti', '##red', '.', '[SEP]']
    enc.type_ids # [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]: 0 up to the first [SEP], then 1
    hf_tok = to_transformers(bert_tok)   # a transformers.PreTrainedTokenizerFast: padding, batching, ...

A ``tokenizers.Tokenizer`` is a pipeline: normalizer (clean up, lower-case) -> pre-tokenizer (split into
words) -> model (split words into subwords: BPE, WordPiece, ...) -> post-processor (add [CLS]/[SEP]) ->
decoder (ids back to text). The two pipelines here:

* :func:`train_bpe_tokenizer`: GPT-2 style byte-level BPE. Text is first turned into bytes shown as 256
  printable characters (a space becomes "Ġ"), so every string can be encoded and nothing is unknown;
  ``decode(encode(text)) == text`` exactly. With ``byte_level=False`` it is instead the pipeline that
  :class:`nlpcourse.text.BPE` reproduces merge for merge: words at whitespace, characters, ``</w>``.
* :func:`train_wordpiece_tokenizer`: BERT style WordPiece. Lower-cased, split at whitespace and
  punctuation, words split into a start piece and "##" continuation pieces. WordPiece chooses merges by
  count(ab) / (count(a) * count(b)) instead of BPE's count(ab).

Nothing here downloads anything: the tokenizers are trained from the texts you pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

if TYPE_CHECKING:  # transformers is slow to import: only to_transformers needs it, and imports it itself
    from transformers import PreTrainedTokenizerFast

__all__ = [
    "BPE_SPECIALS",
    "WORDPIECE_SPECIALS",
    "train_bpe_tokenizer",
    "train_wordpiece_tokenizer",
    "to_transformers",
]

BPE_SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
WORDPIECE_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

#: transformers' special-token roles and the names these tokenizers (and common models) give them.
_ROLES = {
    "pad_token": ("[PAD]", "<pad>"),
    "unk_token": ("[UNK]", "<unk>"),
    "cls_token": ("[CLS]",),
    "sep_token": ("[SEP]",),
    "mask_token": ("[MASK]", "<mask>"),
    "bos_token": ("<bos>", "<s>"),
    "eos_token": ("<eos>", "</s>"),
}


def _texts(texts: Iterable[str], who: str) -> list[str]:
    if isinstance(texts, str):
        raise TypeError(f"{who} expects a list of texts, got one str: wrap it in a list, [text]")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{who}: text {i} is {type(text).__name__}, expected str")
    if not any(text.strip() for text in texts):
        raise ValueError(f"{who}: texts are empty: pass at least one non-empty string")
    return texts


def train_bpe_tokenizer(
    texts: Iterable[str],
    vocab_size: int,
    min_frequency: int = 2,
    special_tokens: Sequence[str] = BPE_SPECIALS,
    byte_level: bool = True,
) -> Tokenizer:
    """Train a BPE tokenizer on ``texts``; ``vocab_size`` counts specials, alphabet and merges.

    ``byte_level=True`` (default): GPT-2 style, alphabet of 256 byte symbols, lossless decoding.
    ``byte_level=False``: whitespace-separated words, characters with a ``</w>`` end-of-word suffix and
    ``special_tokens[1]`` as the unknown token, as :meth:`nlpcourse.text.BPE.train` does.
    """
    texts = _texts(texts, "train_bpe_tokenizer")
    specials = list(special_tokens)
    if byte_level:
        alphabet = pre_tokenizers.ByteLevel.alphabet()
        if vocab_size < len(alphabet) + len(specials):
            raise ValueError(
                f"vocab_size={vocab_size} is too small for byte-level BPE: the 256 byte symbols "
                f"and {len(specials)} specials need {len(alphabet) + len(specials)}, pass more"
            )
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            show_progress=False,
            special_tokens=specials,
            initial_alphabet=alphabet,
        )
    else:
        unk = specials[1] if len(specials) > 1 else None
        tokenizer = Tokenizer(models.BPE(unk_token=unk, end_of_word_suffix="</w>"))
        tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        tokenizer.decoder = decoders.BPEDecoder(suffix="</w>")
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            show_progress=False,
            special_tokens=specials,
            end_of_word_suffix="</w>",
        )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def train_wordpiece_tokenizer(
    texts: Iterable[str],
    vocab_size: int,
    min_frequency: int = 2,
    special_tokens: Sequence[str] = WORDPIECE_SPECIALS,
    lowercase: bool = True,
) -> Tokenizer:
    """Train a BERT-style WordPiece tokenizer on ``texts``.

    Pipeline: ``BertNormalizer`` (lower-case, strip accents, clean control characters) ->
    ``BertPreTokenizer`` (whitespace and punctuation) -> ``WordPiece`` ("##" continuation prefix,
    ``[UNK]`` for words it cannot spell) -> ``TemplateProcessing``:

        single: [CLS] A [SEP]              type ids 0 ... 0
        pair:   [CLS] A [SEP] B [SEP]      type ids 0 for [CLS] A [SEP], 1 for B [SEP]

    ``special_tokens`` must contain [PAD], [UNK], [CLS], [SEP] and [MASK] (ids 0..4 by default).
    """
    texts = _texts(texts, "train_wordpiece_tokenizer")
    specials = list(special_tokens)
    missing = [t for t in WORDPIECE_SPECIALS if t not in specials]
    if missing:
        raise ValueError(
            f"special_tokens lack {missing}: BERT-style inputs need all of {list(WORDPIECE_SPECIALS)}"
        )
    if vocab_size <= len(specials):
        raise ValueError(
            f"vocab_size={vocab_size} is too small: the {len(specials)} specials alone fill it, "
            "pass a few hundred or more"
        )
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]", continuing_subword_prefix="##"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=specials,
        continuing_subword_prefix="##",
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return tokenizer


def to_transformers(tokenizer: Tokenizer, model_max_length: int | None = None) -> PreTrainedTokenizerFast:
    """Wrap ``tokenizer`` as a ``transformers.PreTrainedTokenizerFast`` (padding, truncation, batches).

    The special-token roles (``pad_token``, ``unk_token``, ``cls_token``, ``sep_token``, ``mask_token``,
    ``bos_token``, ``eos_token``) are set from the tokens the vocabulary holds ([PAD] or <pad>, ...).
    With [CLS] and [SEP] (BERT style) it also returns ``token_type_ids``. The wrapper runs a copy of
    ``tokenizer`` itself, so its ``input_ids`` are the raw tokenizer's.
    """
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(
            f"to_transformers expects a tokenizers.Tokenizer, got {type(tokenizer).__name__}: "
            "train one with train_wordpiece_tokenizer or train_bpe_tokenizer"
        )
    from transformers import PreTrainedTokenizerFast

    vocab = tokenizer.get_vocab()
    roles = {
        role: next(name for name in names if name in vocab)
        for role, names in _ROLES.items()
        if any(name in vocab for name in names)
    }
    options: dict[str, object] = dict(roles)
    if "cls_token" in roles and "sep_token" in roles:  # sentence pairs: BERT needs the segment (type) ids
        options["model_input_names"] = ["input_ids", "token_type_ids", "attention_mask"]
    if model_max_length is not None:
        options["model_max_length"] = model_max_length
    return PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(tokenizer.to_str()), **options)
