"""Wrong answers for chapter 01_text: each must make its check cell fail with words."""

CHAPTER = "01_text"

WRONG: dict[str, list[str]] = {
    "simple_tokenize": [
        # splits at whitespace only: punctuation stays glued to words
        "def simple_tokenize(text):\n    return text.lower().split()",
        # forgets to lower-case
        "def simple_tokenize(text):\n    return re.findall(r'\\w+|[^\\w\\s]', text)",
        # drops punctuation
        "def simple_tokenize(text):\n    return re.findall(r'\\w+', text.lower())",
        # letters only: digits and underscores become punctuation
        "def simple_tokenize(text):\n    return re.findall(r'[a-z]+|[^a-z\\s]', text.lower())",
        # \\W also matches whitespace: spaces become tokens
        "def simple_tokenize(text):\n    return re.findall(r'\\w+|\\W', text.lower())",
        # a tuple, not a list
        "def simple_tokenize(text):\n    return tuple(re.findall(r'\\w+|[^\\w\\s]', text.lower()))",
        # the course's tokenizer instead of the one asked for
        "def simple_tokenize(text):\n    return word_tokenize(text)",
    ],
    "zipf_exponent": [
        # returns the slope itself (negative)
        "def zipf_exponent(counts, max_rank):\n"
        "    f = np.array(sorted(counts.values(), reverse=True)[:max_rank], dtype=float)\n"
        "    return float(np.polyfit(np.log(np.arange(1, len(f) + 1)), np.log(f), 1)[0])",
        # does not sort the counts
        "def zipf_exponent(counts, max_rank):\n"
        "    f = np.array(list(counts.values())[:max_rank], dtype=float)\n"
        "    return float(-np.polyfit(np.log(np.arange(1, len(f) + 1)), np.log(f), 1)[0])",
        # semi-log fit: ln f against r
        "def zipf_exponent(counts, max_rank):\n"
        "    f = np.array(sorted(counts.values(), reverse=True)[:max_rank], dtype=float)\n"
        "    return float(-np.polyfit(np.arange(1, len(f) + 1), np.log(f), 1)[0])",
        # ignores max_rank: fits every type
        "def zipf_exponent(counts, max_rank):\n"
        "    f = np.array(sorted(counts.values(), reverse=True), dtype=float)\n"
        "    return float(-np.polyfit(np.log(np.arange(1, len(f) + 1)), np.log(f), 1)[0])",
        # fits f against r without logs
        "def zipf_exponent(counts, max_rank):\n"
        "    f = np.array(sorted(counts.values(), reverse=True)[:max_rank], dtype=float)\n"
        "    return float(-np.polyfit(np.arange(1, len(f) + 1), f, 1)[0])",
    ],
    "build_vocab": [
        # strict > min_freq
        "def build_vocab(sentences, min_freq):\n"
        "    c = Counter(t for s in sentences for t in s)\n"
        "    kept = sorted((t for t in c if c[t] > min_freq), key=lambda t: (-c[t], t))\n"
        "    return {'<unk>': 0, **{t: i + 1 for i, t in enumerate(kept)}}\n"
        "def encode(tokens, vocab):\n    return [vocab.get(t, 0) for t in tokens]",
        # ties in order of first appearance (Counter.most_common)
        "def build_vocab(sentences, min_freq):\n"
        "    c = Counter(t for s in sentences for t in s)\n"
        "    kept = [t for t, n in c.most_common() if n >= min_freq]\n"
        "    return {'<unk>': 0, **{t: i + 1 for i, t in enumerate(kept)}}\n"
        "def encode(tokens, vocab):\n    return [vocab.get(t, 0) for t in tokens]",
        # alphabetical order only
        "def build_vocab(sentences, min_freq):\n"
        "    c = Counter(t for s in sentences for t in s)\n"
        "    kept = sorted(t for t in c if c[t] >= min_freq)\n"
        "    return {'<unk>': 0, **{t: i + 1 for i, t in enumerate(kept)}}\n"
        "def encode(tokens, vocab):\n    return [vocab.get(t, 0) for t in tokens]",
        # <unk> last instead of first
        "def build_vocab(sentences, min_freq):\n"
        "    c = Counter(t for s in sentences for t in s)\n"
        "    kept = sorted((t for t in c if c[t] >= min_freq), key=lambda t: (-c[t], t))\n"
        "    v = {t: i for i, t in enumerate(kept)}\n    v['<unk>'] = len(v)\n    return v\n"
        "def encode(tokens, vocab):\n    return [vocab.get(t, vocab['<unk>']) for t in tokens]",
        # encode looks tokens up directly: KeyError for unknown words
        "def build_vocab(sentences, min_freq):\n"
        "    c = Counter(t for s in sentences for t in s)\n"
        "    kept = sorted((t for t in c if c[t] >= min_freq), key=lambda t: (-c[t], t))\n"
        "    return {'<unk>': 0, **{t: i + 1 for i, t in enumerate(kept)}}\n"
        "def encode(tokens, vocab):\n    return [vocab[t] for t in tokens]",
        # encode drops unknown tokens instead of mapping them to 0
        "def build_vocab(sentences, min_freq):\n"
        "    c = Counter(t for s in sentences for t in s)\n"
        "    kept = sorted((t for t in c if c[t] >= min_freq), key=lambda t: (-c[t], t))\n"
        "    return {'<unk>': 0, **{t: i + 1 for i, t in enumerate(kept)}}\n"
        "def encode(tokens, vocab):\n    return [vocab[t] for t in tokens if t in vocab]",
        # calls the course's Vocab instead of writing it
        "def build_vocab(sentences, min_freq):\n"
        "    v = Vocab.build(sentences, min_freq=min_freq, specials=['<unk>'])\n"
        "    return {t: i for i, t in enumerate(v.tokens)}\n"
        "def encode(tokens, vocab):\n    return [vocab.get(t, 0) for t in tokens]",
    ],
    "oov_rate": [
        # distinct types instead of running tokens
        "def oov_rate(train_sentences, test_sentences, min_freq=1):\n"
        "    c = Counter(t for s in train_sentences for t in s)\n"
        "    types = {t for s in test_sentences for t in s}\n"
        "    return sum(c[t] < min_freq for t in types) / len(types)",
        # ignores min_freq
        "def oov_rate(train_sentences, test_sentences, min_freq=1):\n"
        "    seen = {t for s in train_sentences for t in s}\n"
        "    tokens = [t for s in test_sentences for t in s]\n"
        "    return sum(t not in seen for t in tokens) / len(tokens)",
        # <= min_freq: a word seen exactly min_freq times counts as unknown
        "def oov_rate(train_sentences, test_sentences, min_freq=1):\n"
        "    c = Counter(t for s in train_sentences for t in s)\n"
        "    tokens = [t for s in test_sentences for t in s]\n"
        "    return sum(c[t] <= min_freq for t in tokens) / len(tokens)",
        # a percentage
        "def oov_rate(train_sentences, test_sentences, min_freq=1):\n"
        "    c = Counter(t for s in train_sentences for t in s)\n"
        "    tokens = [t for s in test_sentences for t in s]\n"
        "    return 100 * sum(c[t] < min_freq for t in tokens) / len(tokens)",
        # calls the course's Vocab
        "def oov_rate(train_sentences, test_sentences, min_freq=1):\n"
        "    v = Vocab.build(train_sentences, min_freq=min_freq)\n"
        "    ids = [i for s in test_sentences for i in v.encode(s)]\n"
        "    return sum(i == v.unk_id for i in ids) / len(ids)",
    ],
    "bpe_merge_step": [
        # counts each word once, ignoring its frequency
        "def bpe_merge_step(word_freqs):\n"
        "    pairs = Counter(p for w in word_freqs for p in zip(w, w[1:]))\n"
        "    best = min(pairs, key=lambda p: (-pairs[p], p))\n"
        "    return best, merge_pair(word_freqs, best)",
        # ties go to the pair seen first
        "def bpe_merge_step(word_freqs):\n"
        "    pairs = Counter()\n"
        "    for w, f in word_freqs.items():\n"
        "        for p in zip(w, w[1:]):\n            pairs[p] += f\n"
        "    best = pairs.most_common(1)[0][0]\n"
        "    return best, merge_pair(word_freqs, best)",
        # merges by string replacement: also merges inside longer symbols
        "def bpe_merge_step(word_freqs):\n"
        "    pairs = Counter()\n"
        "    for w, f in word_freqs.items():\n"
        "        for p in zip(w, w[1:]):\n            pairs[p] += f\n"
        "    best = min(pairs, key=lambda p: (-pairs[p], p))\n"
        "    out = {}\n"
        "    for w, f in word_freqs.items():\n"
        "        key = tuple(' '.join(w).replace(' '.join(best), ''.join(best)).split())\n"
        "        out[key] = out.get(key, 0) + f\n"
        "    return best, out",
        # overwrites instead of adding when two words become equal
        "def bpe_merge_step(word_freqs):\n"
        "    pairs = Counter()\n"
        "    for w, f in word_freqs.items():\n"
        "        for p in zip(w, w[1:]):\n            pairs[p] += f\n"
        "    best = min(pairs, key=lambda p: (-pairs[p], p))\n"
        "    out = {}\n"
        "    for w, f in word_freqs.items():\n"
        "        out[next(iter(merge_pair({w: f}, best)))] = f\n"
        "    return best, out",
        # returns only the merged words
        "def bpe_merge_step(word_freqs):\n"
        "    best = most_frequent_pair(word_freqs)\n"
        "    return merge_pair(word_freqs, best)",
        # calls the course's BPE functions instead of writing the step
        "def bpe_merge_step(word_freqs):\n"
        "    best = most_frequent_pair(word_freqs)\n"
        "    return best, merge_pair(word_freqs, best)",
    ],
    "max_match": [
        # minimum matching: the shortest dictionary word (南京 | 市长 | 江 | 大桥)
        "def max_match(text, dictionary):\n"
        "    words, i = [], 0\n"
        "    while i < len(text):\n"
        "        size = next((n for n in range(2, len(text) - i + 1) if text[i:i + n] in dictionary), 1)\n"
        "        words.append(text[i:i + size])\n        i += size\n"
        "    return words",
        # words of at most two characters
        "def max_match(text, dictionary):\n"
        "    words, i = [], 0\n"
        "    while i < len(text):\n"
        "        size = 2 if text[i:i + 2] in dictionary else 1\n"
        "        words.append(text[i:i + size])\n        i += size\n"
        "    return words",
        # drops the characters that start no dictionary word
        "def max_match(text, dictionary):\n"
        "    longest = max(map(len, dictionary), default=1)\n"
        "    words, i = [], 0\n"
        "    while i < len(text):\n"
        "        size = next((n for n in range(longest, 0, -1) if text[i:i + n] in dictionary), 0)\n"
        "        if size:\n            words.append(text[i:i + size])\n"
        "        i += max(size, 1)\n"
        "    return words",
        # backward maximum matching (from the right): 和 | 尚未
        "def max_match(text, dictionary):\n"
        "    longest = max(map(len, dictionary), default=1)\n"
        "    words, j = [], len(text)\n"
        "    while j > 0:\n"
        "        size = next((n for n in range(min(longest, j), 1, -1)\n"
        "                     if text[j - n:j] in dictionary), 1)\n"
        "        words.insert(0, text[j - size:j])\n        j -= size\n"
        "    return words",
        # a tuple, not a list
        "def max_match(text, dictionary):\n"
        "    longest = max(map(len, dictionary), default=1)\n"
        "    words, i = [], 0\n"
        "    while i < len(text):\n"
        "        size = next((n for n in range(min(longest, len(text) - i), 1, -1)\n"
        "                     if text[i:i + n] in dictionary), 1)\n"
        "        words.append(text[i:i + size])\n        i += size\n"
        "    return tuple(words)",
        # one string with the words separated by spaces
        "def max_match(text, dictionary):\n"
        "    longest = max(map(len, dictionary), default=1)\n"
        "    words, i = [], 0\n"
        "    while i < len(text):\n"
        "        size = next((n for n in range(min(longest, len(text) - i), 1, -1)\n"
        "                     if text[i:i + n] in dictionary), 1)\n"
        "        words.append(text[i:i + size])\n        i += size\n"
        "    return ' '.join(words)",
        # off by one: never tries a word as long as the longest dictionary word
        "def max_match(text, dictionary):\n"
        "    longest = max(map(len, dictionary), default=1)\n"
        "    words, i = [], 0\n"
        "    while i < len(text):\n"
        "        size = next((n for n in range(min(longest - 1, len(text) - i), 1, -1)\n"
        "                     if text[i:i + n] in dictionary), 1)\n"
        "        words.append(text[i:i + size])\n        i += size\n"
        "    return words",
        # a fixed window of four characters: longer dictionary words are never found
        "def max_match(text, dictionary):\n"
        "    words, i = [], 0\n"
        "    while i < len(text):\n"
        "        size = next((n for n in range(min(4, len(text) - i), 1, -1)\n"
        "                     if text[i:i + n] in dictionary), 1)\n"
        "        words.append(text[i:i + size])\n        i += size\n"
        "    return words",
        # calls the course's own segmenter instead of writing it
        "def max_match(text, dictionary):\n    return forward_max_match(text, dictionary)",
    ],
}

# Wrong answers (indices into WRONG) that the visible checks alone must reject.
VISIBLE: dict[str, list[int]] = {
    "simple_tokenize": [0, 1, 2, 4, 5, 6],
    "zipf_exponent": [0, 1, 2, 4],
    "build_vocab": [0, 1, 2, 3, 4, 5],
    "oov_rate": [0, 1, 2, 3],
    "bpe_merge_step": [4],
    "max_match": [0, 1, 2, 3, 4, 5, 6],
}
