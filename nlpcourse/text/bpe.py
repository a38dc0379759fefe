"""Byte-pair encoding (Sennrich et al. 2016) from scratch, merge for merge as Hugging Face ``tokenizers``.

Training starts from characters and repeatedly glues together the most frequent adjacent pair:

    word_freqs = {("l", "o", "w</w>"): 5, ("l", "o", "w", "e", "r</w>"): 2,
                  ("n", "e", "w", "e", "s", "t</w>"): 6, ("w", "i", "d", "e", "s", "t</w>"): 3}
    most_frequent_pair(word_freqs)          # ('e', 's'): 6 + 3 = 9 times (ties with ('s', 't</w>'))
    merge_pair(word_freqs, ("e", "s"))      # {..., ('n', 'e', 'w', 'es', 't</w>'): 6, ...}

    count(a, b) = sum over words w of freq(w) * (number of places where a is followed by b in w)
    best        = argmax over pairs of count(a, b); ties: the smallest (id(a), id(b))

The end-of-word marker (``</w>`` by default) is glued to each word's last character, so "est</w>" (a
word ending) and "est" (inside "establish") are different tokens and decoding knows where words end.

Agreement with ``tokenizers``. Trained on the same words (``pre_tokenizers.WhitespaceSplit``) with the
same ``vocab_size``, ``min_frequency`` and special tokens, ``tokenizers.models.BPE`` trained by
``tokenizers.trainers.BpeTrainer`` and :meth:`BPE.train` learn the same merges in the same order and
give every token the same id. The rules that make it so (from the library's
``tokenizers/src/models/bpe/trainer.rs``, checked by ``tests/test_text.py``):

1. Ids: special tokens first, then every character of the corpus sorted by code point, then the
   characters with the end-of-word suffix ("t</w>") in the order they are first met, then each new
   token in the order it is created.
2. The most frequent pair wins; among equally frequent pairs, the one with the smallest
   ``(id(a), id(b))``: the library keeps pairs in a max-heap ordered by ``(count, reversed pair ids)``.
   (It updates the counts incrementally; recounting after each merge, as here, gives the same counts.)
3. Training stops when ``len(vocab) >= vocab_size``, when no pair is left, or when the best pair
   occurs fewer than ``min_frequency`` times.
4. A merge replaces the pair left to right without overlaps: "a a a" -> "aa a".

With an ``end_of_word_suffix`` one difference cannot be removed: the library counts words in a Rust
``HashMap`` whose iteration order changes from run to run, and numbers the suffixed characters
("t</w>") in that order. Its choice between tied pairs that involve them therefore changes between
runs (two runs of the library disagree with each other). We number them in order of first appearance
in the corpus, which is deterministic. Given the library's order (:func:`learn_merges` with
``symbols``) the merges are again identical.

Encoding a word applies the learned merges by rank, as the library's ``Word::merge_all`` does: while
some adjacent pair is a known merge, merge the pair with the lowest rank (the leftmost one on a tie).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from pathlib import Path

__all__ = [
    "BPE",
    "Pair",
    "WordFreqs",
    "pair_counts",
    "most_frequent_pair",
    "merge_pair",
    "word_frequencies",
    "initial_symbols",
    "learn_merges",
]

Pair = tuple[str, str]
WordFreqs = dict[tuple[str, ...], int]

_FORMAT = "nlpcourse.BPE"
_VERSION = 1


# --- the teaching steps ---------------------------------------------------------------------------
def pair_counts(word_freqs: Mapping[tuple[str, ...], int]) -> Counter[Pair]:
    """How often each adjacent pair of symbols occurs, weighted by word frequency."""
    counts: Counter[Pair] = Counter()
    for word, freq in word_freqs.items():
        for pair in pairwise(word):
            counts[pair] += freq
    return counts


def most_frequent_pair(
    word_freqs: Mapping[tuple[str, ...], int], order: Mapping[str, int] | None = None
) -> Pair:
    """The most frequent adjacent pair; ties go to the pair that sorts first.

    "First" compares ``(order[a], order[b])`` when ``order`` (symbol -> id) is given, as the
    ``tokenizers`` library does with its vocabulary ids; otherwise the strings ``(a, b)`` themselves.
    The two agree while both pairs are plain characters (the library numbers characters by code point,
    as Python compares strings), not once merged or suffixed symbols ("es", "t</w>") are involved.
    """
    counts = pair_counts(word_freqs)
    if not counts:
        raise ValueError("no adjacent pairs left: every word is a single symbol (or word_freqs is empty)")
    return _best(counts, order)


def _best(counts: Counter[Pair], order: Mapping[str, int] | None) -> Pair:
    if order is None:
        return min(counts, key=lambda pair: (-counts[pair], pair))
    return min(counts, key=lambda pair: (-counts[pair], order[pair[0]], order[pair[1]]))


def merge_pair(word_freqs: Mapping[tuple[str, ...], int], pair: Pair) -> WordFreqs:
    """A new ``word_freqs`` where every occurrence of ``pair`` (left to right, no overlaps) is one symbol."""
    a, b = pair
    merged = a + b
    out: WordFreqs = {}
    for word, freq in word_freqs.items():
        symbols, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                symbols.append(merged)
                i += 2
            else:
                symbols.append(word[i])
                i += 1
        key = tuple(symbols)
        out[key] = out.get(key, 0) + freq
    return out


# --- from a corpus to word frequencies --------------------------------------------------------------
def _words(corpus: Iterable[str] | Iterable[Sequence[str]]) -> Iterable[str]:
    """The whitespace-separated words of ``corpus``: texts (str) or token lists (lists of str)."""
    if isinstance(corpus, (str, bytes)):
        raise TypeError(
            "the corpus must be a list of texts or of token lists, got one "
            f"{type(corpus).__name__}: wrap it in a list, [text]"
        )
    for i, item in enumerate(corpus):
        if isinstance(item, str):
            yield from item.split()
        elif isinstance(item, Sequence) and not isinstance(item, bytes):
            yield from _split_tokens(item, f"corpus item {i}")
        else:
            raise TypeError(
                f"corpus item {i} is {type(item).__name__}, expected a str (a text) "
                "or a list of str (a tokenized sentence)"
            )


def _split_tokens(tokens: Sequence[str], where: str) -> Iterable[str]:
    for j, token in enumerate(tokens):
        if not isinstance(token, str):
            raise TypeError(f"{where}, token {j} is {type(token).__name__} {token!r}, expected str")
        yield from token.split()


def word_frequencies(
    corpus: Iterable[str] | Iterable[Sequence[str]], end_of_word_suffix: str | None = "</w>"
) -> WordFreqs:
    """Split each whitespace-separated word into characters, the last one carrying the suffix.

    ``word_frequencies(["low low lower"])`` -> ``{("l", "o", "w</w>"): 2, ("l", "o", "w", "e", "r</w>"): 1}``.
    Words keep the order in which they first appear.
    """
    counts = Counter(_words(corpus))
    if not counts:
        raise ValueError("corpus is empty: pass at least one text with at least one word")
    return {_split(word, end_of_word_suffix): freq for word, freq in counts.items()}


def _split(word: str, end_of_word_suffix: str | None) -> tuple[str, ...]:
    symbols = list(word)
    if end_of_word_suffix:
        symbols[-1] += end_of_word_suffix
    return tuple(symbols)


def initial_symbols(
    word_freqs: Mapping[tuple[str, ...], int], special_tokens: Sequence[str] = ()
) -> list[str]:
    """The starting vocabulary in id order: specials, characters by code point, then suffixed characters.

    ``word_freqs`` is as :func:`word_frequencies` returns it, before any merge: each symbol is one
    character, the last one of a word perhaps followed by the end-of-word suffix. The suffixed
    characters ("t</w>") come in the order in which the words of ``word_freqs`` first show them.
    """
    symbols = list(dict.fromkeys(special_tokens))
    known = set(symbols)
    chars = sorted({symbol[0] for word in word_freqs for symbol in word} - known)
    symbols += chars
    known.update(chars)
    for word in word_freqs:
        for symbol in word:
            if symbol not in known:
                symbols.append(symbol)
                known.add(symbol)
    return symbols


def learn_merges(
    word_freqs: Mapping[tuple[str, ...], int],
    symbols: Sequence[str],
    vocab_size: int | None = None,
    num_merges: int | None = None,
    min_frequency: int = 0,
) -> tuple[list[Pair], list[str]]:
    """The training loop: ``most_frequent_pair`` then ``merge_pair``, until a limit is reached.

    ``symbols`` is the starting vocabulary in id order (see :func:`initial_symbols`); it must hold every
    symbol of ``word_freqs``. Stops when ``len(vocab) >= vocab_size``, after ``num_merges`` merges, when
    no pair is left, or when the best pair occurs fewer than ``min_frequency`` times.
    Returns ``(merges, vocab)``: the merges in the order learned, the vocabulary in id order.
    """
    if (vocab_size is None) == (num_merges is None):
        raise ValueError("pass exactly one of vocab_size (the final vocabulary size) or num_merges")
    vocab = list(symbols)
    order = {symbol: i for i, symbol in enumerate(vocab)}
    missing = {s for word in word_freqs for s in word} - order.keys()
    if missing:
        raise ValueError(
            f"symbols {sorted(missing)[:5]} of word_freqs are not in symbols: "
            "start from initial_symbols(word_freqs)"
        )
    if vocab_size is not None and vocab_size < len(vocab):
        raise ValueError(
            f"vocab_size={vocab_size} is too small: the specials and characters alone are "
            f"{len(vocab)} symbols, pass vocab_size >= {len(vocab)}"
        )
    if num_merges is not None and num_merges < 0:
        raise ValueError(f"num_merges must be >= 0, got {num_merges}")
    if min_frequency < 0:
        raise ValueError(f"min_frequency must be >= 0, got {min_frequency}")
    merges: list[Pair] = []
    while (len(vocab) < vocab_size) if vocab_size is not None else (len(merges) < num_merges):
        counts = pair_counts(word_freqs)
        if not counts:
            break  # every word is a single token
        pair = _best(counts, order)
        if counts[pair] < max(min_frequency, 1):
            break
        merges.append(pair)
        new = pair[0] + pair[1]
        if new not in order:  # the library reuses an existing token's id, and so do we
            order[new] = len(vocab)
            vocab.append(new)
        word_freqs = merge_pair(word_freqs, pair)
    return merges, vocab


# --- the model ------------------------------------------------------------------------------------
class BPE:
    """A trained byte-pair encoder: ``merges`` in rank order and ``vocab`` (token -> id).

    ``BPE.train(["the lowest newest"], vocab_size=40)`` learns it; ``encode`` splits text into
    whitespace-separated words and each word into subword tokens; ``decode`` glues them back.
    """

    def __init__(
        self,
        vocab: Mapping[str, int],
        merges: Sequence[Pair],
        end_of_word_suffix: str | None = "</w>",
        unk_token: str | None = None,
    ):
        self.vocab: dict[str, int] = dict(vocab)
        self.merges: list[Pair] = [(a, b) for a, b in merges]
        self.end_of_word_suffix = end_of_word_suffix or None
        self.unk_token = unk_token
        if sorted(self.vocab.values()) != list(range(len(self.vocab))):
            raise ValueError("vocab ids must be 0..len(vocab)-1, each used once")
        for a, b in self.merges:
            for token in (a, b, a + b):
                if token not in self.vocab:
                    raise ValueError(f"merge ({a!r}, {b!r}) uses {token!r}, which is not in vocab")
        if unk_token is not None and unk_token not in self.vocab:
            raise ValueError(f"unk_token {unk_token!r} is not in vocab: pass it in special_tokens too")
        # The library keeps the last rank when a pair was learned twice; so does this dict.
        self._ranks = {pair: rank for rank, pair in enumerate(self.merges)}

    @classmethod
    def train(
        cls,
        corpus: Iterable[str] | Iterable[Sequence[str]],
        vocab_size: int | None = None,
        num_merges: int | None = None,
        min_frequency: int = 0,
        end_of_word_suffix: str | None = "</w>",
        special_tokens: Sequence[str] = (),
        unk_token: str | None = None,
    ) -> BPE:
        """Learn merges from ``corpus``: texts (split at whitespace) or token lists (e.g. from word_tokenize).

        Pass exactly one of ``vocab_size`` (final size: specials + characters + merges, as in
        ``tokenizers``) or ``num_merges``. ``unk_token`` (added to ``special_tokens`` if missing) stands
        for characters never seen in training; without it such characters raise a ``ValueError``.
        """
        specials = list(special_tokens)
        if unk_token is not None and unk_token not in specials:
            specials.append(unk_token)
        word_freqs = word_frequencies(corpus, end_of_word_suffix)
        symbols = initial_symbols(word_freqs, specials)
        merges, vocab = learn_merges(word_freqs, symbols, vocab_size, num_merges, min_frequency)
        return cls({token: i for i, token in enumerate(vocab)}, merges, end_of_word_suffix, unk_token)

    def __len__(self) -> int:
        return len(self.vocab)

    def __repr__(self) -> str:
        return (
            f"BPE({len(self.vocab)} tokens, {len(self.merges)} merges, "
            f"end_of_word_suffix={self.end_of_word_suffix!r})"
        )

    def encode_word(self, word: str) -> list[str]:
        """Split one word into subword tokens by applying the merges in rank order.

        Start from characters (the last one carrying the end-of-word suffix); while some adjacent pair is
        a learned merge, merge the one with the lowest rank, the leftmost if it occurs more than once.
        """
        if not isinstance(word, str):
            raise TypeError(f"encode_word expects a str, got {type(word).__name__}")
        if not word or word.split() != [word]:
            raise ValueError(
                f"encode_word expects one word without whitespace, got {word!r}: use encode(text) for text"
            )
        symbols = [self._known(s, word) for s in _split(word, self.end_of_word_suffix)]
        while len(symbols) > 1:
            ranked = [
                (self._ranks[pair], i) for i, pair in enumerate(pairwise(symbols)) if pair in self._ranks
            ]
            if not ranked:
                break
            _, i = min(ranked)
            symbols[i : i + 2] = [symbols[i] + symbols[i + 1]]
        return symbols

    def _known(self, symbol: str, word: str) -> str:
        if symbol in self.vocab:
            return symbol
        if self.unk_token is None:
            raise ValueError(
                f"{symbol!r} (in {word!r}) was never seen in training: train on text that "
                "contains it, or pass unk_token='<unk>' to BPE.train"
            )
        return self.unk_token

    def encode(self, text: str | Sequence[str]) -> list[str]:
        """Tokens of a text (split at whitespace) or of a list of words."""
        if isinstance(text, str):
            words: Iterable[str] = text.split()
        elif isinstance(text, Sequence) and not isinstance(text, bytes):
            words = _split_tokens(text, "encode: word list")
        else:
            raise TypeError(
                f"encode expects a str or a list of str, got {type(text).__name__}"
                + (": decode the bytes first" if isinstance(text, bytes) else "")
            )
        return [token for word in words for token in self.encode_word(word)]

    def encode_ids(self, text: str | Sequence[str]) -> list[int]:
        """Ids of :meth:`encode`'s tokens."""
        return [self.vocab[token] for token in self.encode(text)]

    def decode(self, tokens: Sequence[str]) -> str:
        """Glue tokens back into text: the end-of-word suffix becomes a space (none after the last word).

        ``decode(encode(text)) == " ".join(text.split())``. Without an end-of-word suffix the word
        boundaries are not recorded, and the tokens are simply concatenated.
        """
        if isinstance(tokens, str):
            raise TypeError("decode expects a list of tokens, got a str: pass encode(text)'s output")
        suffix = self.end_of_word_suffix
        pieces = []
        for j, token in enumerate(tokens):
            if not isinstance(token, str):
                raise TypeError(f"token {j} is {type(token).__name__} {token!r}, expected str")
            pieces.append(token.replace(suffix, " " if j < len(tokens) - 1 else "") if suffix else token)
        return "".join(pieces)

    # --- files ---------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write vocab, merges and settings to ``path`` as UTF-8 JSON; return the path."""
        path = Path(path)
        tokens = sorted(self.vocab, key=self.vocab.__getitem__)
        data = {
            "format": _FORMAT,
            "version": _VERSION,
            "end_of_word_suffix": self.end_of_word_suffix,
            "unk_token": self.unk_token,
            "vocab": tokens,
            "merges": [list(pair) for pair in self.merges],
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> BPE:
        """Read a model written by :meth:`save`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error}): was it written by BPE.save?") from error
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(f"{path} is not a BPE file (no 'format': {_FORMAT!r}): write it with BPE.save")
        if data.get("version") != _VERSION:
            raise ValueError(
                f"{path} has BPE file version {data.get('version')!r}, this code reads "
                f"version {_VERSION}: train the model and save it again"
            )
        vocab = {token: i for i, token in enumerate(data["vocab"])}
        merges = [(a, b) for a, b in data["merges"]]
        return cls(vocab, merges, data["end_of_word_suffix"], data["unk_token"])
