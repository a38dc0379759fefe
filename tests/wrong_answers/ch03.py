"""Wrong answers for chapter 03_ngram: each must make its check cell fail with words."""

CHAPTER = "03_ngram"

_CONT = "self.before[w] / len(self.bigrams)"
_D = "n1 / (n1 + 2 * n2) if n1 and n2 else 0.75"
_W = "self.discount * self.followers[v] / total"
_KN = (
    "class KneserNeyBigram:\n"
    "    order = 2\n"
    "    def __init__(self, sentences, min_freq=1):\n"
    "        frequency = Counter(t for s in sentences for t in s)\n"
    "        self.vocab = {{t for t, n in frequency.items() if n >= min_freq}}\n"
    "        self.bigrams = Counter()\n"
    "        for s in sentences:\n"
    "            padded = [BOS] + [self._known(t) for t in s] + [EOS]\n"
    "            self.bigrams.update(zip(padded, padded[1:]))\n"
    "        self.context_total, self.followers, self.before = Counter(), Counter(), Counter()\n"
    "        for (v, w), n in self.bigrams.items():\n"
    "            self.context_total[v] += n\n"
    "            self.followers[v] += 1\n"
    "            self.before[w] += 1\n"
    "        n1 = sum(1 for n in self.bigrams.values() if n == 1)\n"
    "        n2 = sum(1 for n in self.bigrams.values() if n == 2)\n"
    "        self.discount = {discount}\n"
    "    def _known(self, token):\n"
    "        return token if token in self.vocab or token in (BOS, EOS) else UNK\n"
    "    def logprob(self, word, context):\n"
    "        v, w = self._known(context[-1]), self._known(word)\n"
    "        p = {lower}\n"
    "        total = self.context_total[v]\n"
    "        if total:\n"
    "            p = max(self.bigrams[(v, w)] - self.discount, 0.0) / total + {weight} * p\n"
    "        return math.log(p) if p > 0 else -math.inf"
)

WRONG: dict[str, list[str]] = {
    "ngrams": [
        # order - 1 times <bos>, as nltk pads: not the padding asked for
        "def ngrams(sentence, order):\n"
        "    padded = [BOS] * (order - 1) + list(sentence) + [EOS]\n"
        "    return [tuple(padded[i - order + 1: i + 1]) for i in range(order - 1, len(padded))]",
        # forgets <eos>
        "def ngrams(sentence, order):\n"
        "    padded = [BOS] + list(sentence)\n"
        "    return [tuple(padded[max(0, i - order + 1): i + 1]) for i in range(1, len(padded))]",
        # lists instead of tuples
        "def ngrams(sentence, order):\n"
        "    padded = [BOS] + list(sentence) + [EOS]\n"
        "    return [padded[max(0, i - order + 1): i + 1] for i in range(1, len(padded))]",
        # only full-length n-grams: the first words are never predicted
        "def ngrams(sentence, order):\n"
        "    padded = [BOS] + list(sentence) + [EOS]\n"
        "    return [tuple(padded[i - order + 1: i + 1]) for i in range(max(1, order - 1), len(padded))]",
        # calls the package's padded_ngrams
        "def ngrams(sentence, order):\n    return padded_ngrams(sentence, order)",
    ],
    "count_ngrams": [
        # contexts counted over every (n-1)-gram of the padded sentence, the last one included
        "def count_ngrams(sentences, order):\n"
        "    grams, contexts = Counter(), Counter()\n"
        "    for s in sentences:\n"
        "        padded = [BOS] * (order - 1) + list(s) + [EOS]\n"
        "        grams.update(ngrams(s, order))\n"
        "        contexts.update(tuple(padded[i:i + order - 1]) for i in range(len(padded) - order + 2))\n"
        "    return grams, contexts\n\n"
        "def mle_prob(word, context, ngram_counts, context_counts):\n"
        "    c = context_counts[tuple(context)]\n"
        "    return ngram_counts[tuple(context) + (word,)] / c if c else 0.0",
        # right counts, MLE divided by the count of the word instead of the context
        "def count_ngrams(sentences, order):\n"
        "    grams = Counter(g for s in sentences for g in ngrams(s, order))\n"
        "    return grams, Counter(g[:-1] for g in grams.elements())\n\n"
        "def mle_prob(word, context, ngram_counts, context_counts):\n"
        "    c = sum(n for g, n in ngram_counts.items() if g[-1] == word)\n"
        "    if context_counts[tuple(context)] == 0:\n        return 0.0\n"
        "    return ngram_counts[tuple(context) + (word,)] / c",
        # contexts keyed by the string for bigrams, not a tuple
        "def count_ngrams(sentences, order):\n"
        "    grams = Counter(g for s in sentences for g in ngrams(s, order))\n"
        "    return grams, Counter(g[0] if order == 2 else g[:-1] for g in grams.elements())\n\n"
        "def mle_prob(word, context, ngram_counts, context_counts):\n"
        "    key = context[0] if len(context) == 1 else tuple(context)\n"
        "    c = context_counts[key]\n"
        "    return ngram_counts[tuple(context) + (word,)] / c if c else 0.0",
        # distinct n-gram types instead of occurrences
        "def count_ngrams(sentences, order):\n"
        "    grams = Counter(set(g for s in sentences for g in ngrams(s, order)))\n"
        "    return grams, Counter(g[:-1] for g in grams)\n\n"
        "def mle_prob(word, context, ngram_counts, context_counts):\n"
        "    c = context_counts[tuple(context)]\n"
        "    return ngram_counts[tuple(context) + (word,)] / c if c else 0.0",
        # reads the counts of the package's reference model
        "def count_ngrams(sentences, order):\n"
        "    ref = ReferenceNgramLM(order, 'mle').fit(sentences)\n"
        "    grams = Counter({g: n for g, n in ref.count.items() if len(g) == order or g[0] == BOS})\n"
        "    return grams, Counter(g[:-1] for g in grams.elements())\n\n"
        "def mle_prob(word, context, ngram_counts, context_counts):\n"
        "    c = context_counts[tuple(context)]\n"
        "    return ngram_counts[tuple(context) + (word,)] / c if c else 0.0",
    ],
    "perplexity": [
        # forgets the <eos> predictions
        "def perplexity(model, sentences):\n"
        "    logs = [model.logprob(g[-1], g[:-1]) for s in sentences for g in ngrams(s, model.order)[:-1]]\n"
        "    return math.exp(-sum(logs) / len(logs))",
        # the sum instead of the mean
        "def perplexity(model, sentences):\n"
        "    logs = [model.logprob(g[-1], g[:-1]) for s in sentences for g in ngrams(s, model.order)]\n"
        "    return math.exp(-sum(logs))",
        # the mean of per-sentence perplexities
        "def perplexity(model, sentences):\n"
        "    values = []\n"
        "    for s in sentences:\n"
        "        logs = [model.logprob(g[-1], g[:-1]) for g in ngrams(s, model.order)]\n"
        "        values.append(math.exp(-sum(logs) / len(logs)))\n"
        "    return sum(values) / len(values)",
        # natural logs raised to the power of 10
        "def perplexity(model, sentences):\n"
        "    logs = [model.logprob(g[-1], g[:-1]) for s in sentences for g in ngrams(s, model.order)]\n"
        "    return 10 ** (-sum(logs) / len(logs))",
        # n - 1 times <bos> (nltk padding) instead of one: wrong histories near the start
        "def perplexity(model, sentences):\n"
        "    logs = [model.logprob(g[-1], g[:-1]) for s in sentences\n"
        "            for g in padded_ngrams(s, model.order, padding='nltk')]\n"
        "    return math.exp(-sum(logs) / len(logs))",
        # calls the package model's own perplexity when it has one
        "def perplexity(model, sentences):\n"
        "    if hasattr(model, 'perplexity'):\n        return model.perplexity(sentences)\n"
        "    logs = [model.logprob(g[-1], g[:-1]) for s in sentences for g in ngrams(s, model.order)]\n"
        "    return math.exp(-sum(logs) / len(logs))",
    ],
    "add_k": [
        # k missing in the denominator
        "def add_k_prob(word, context, ngram_counts, context_counts, vocab_size, k):\n"
        "    context = tuple(context)\n"
        "    return (ngram_counts[context + (word,)] + k) / (context_counts[context] + vocab_size)",
        # k only in the numerator
        "def add_k_prob(word, context, ngram_counts, context_counts, vocab_size, k):\n"
        "    context = tuple(context)\n"
        "    return (ngram_counts[context + (word,)] + k) / context_counts[context] "
        "if context_counts[context] else 1 / vocab_size",
        # one extra type in |V|
        "def add_k_prob(word, context, ngram_counts, context_counts, vocab_size, k):\n"
        "    context = tuple(context)\n"
        "    return (ngram_counts[context + (word,)] + k) / (context_counts[context] + k * (vocab_size + 1))",
    ],
    "continuation": [
        # occurrences instead of distinct left neighbours
        "def continuation_prob(word, bigram_counts):\n"
        "    return sum(n for (v, w), n in bigram_counts.items() if w == word) / sum(bigram_counts.values())",
        # divided by the number of distinct words, not of distinct bigrams
        "def continuation_prob(word, bigram_counts):\n"
        "    before = sum(1 for (v, w) in bigram_counts if w == word)\n"
        "    return before / len({w for (v, w) in bigram_counts})",
        # distinct words *after* the word
        "def continuation_prob(word, bigram_counts):\n"
        "    return sum(1 for (v, w) in bigram_counts if v == word) / len(bigram_counts)",
    ],
    "kneser_ney": [
        # the interpolation weight uses occurrences: D * c(v) / c(v) = D
        "def kneser_ney_bigram(word, previous, bigram_counts, discount):\n"
        "    followers = {w: n for (v, w), n in bigram_counts.items() if v == previous}\n"
        "    total = sum(followers.values())\n"
        "    if total == 0:\n        return continuation_prob(word, bigram_counts)\n"
        "    return max(followers.get(word, 0) - discount, 0) / total + discount * "
        "continuation_prob(word, bigram_counts)",
        # lower order = plain unigram frequency
        "def kneser_ney_bigram(word, previous, bigram_counts, discount):\n"
        "    followers = {w: n for (v, w), n in bigram_counts.items() if v == previous}\n"
        "    total = sum(followers.values())\n"
        "    unigram = sum(n for (v, w), n in bigram_counts.items() if w == word)\n"
        "    unigram /= sum(bigram_counts.values())\n"
        "    if total == 0:\n        return unigram\n"
        "    seen = max(followers.get(word, 0) - discount, 0) / total\n"
        "    return seen + discount * len(followers) / total * unigram",
        # discounts unseen words into negative counts (no max)
        "def kneser_ney_bigram(word, previous, bigram_counts, discount):\n"
        "    followers = {w: n for (v, w), n in bigram_counts.items() if v == previous}\n"
        "    total = sum(followers.values())\n"
        "    if total == 0:\n        return continuation_prob(word, bigram_counts)\n"
        "    return (followers.get(word, 0) - discount) / total + discount * len(followers) / total * "
        "continuation_prob(word, bigram_counts)",
    ],
    "kneser_ney_model": [
        # the lower order counts occurrences, not continuations
        _KN.format(
            lower="sum(n for (_, x), n in self.bigrams.items() if x == w) / self.total",
            discount=_D,
            weight=_W,
        ).replace("self.discount = ", "self.total = sum(self.bigrams.values())\n        self.discount = "),
        # a fixed discount instead of the estimate n1 / (n1 + 2 n2)
        _KN.format(lower=_CONT, discount="0.75", weight=_W),
        # the interpolation weight is D alone: the mass is not what the discounts freed
        _KN.format(lower=_CONT, discount=_D, weight="self.discount"),
        # no <unk>: rare training words stay themselves, unknown words get probability 0
        _KN.format(lower=_CONT, discount=_D, weight=_W).replace("self._known(", "str("),
        # wraps the package's model
        "class KneserNeyBigram:\n"
        "    order = 2\n"
        "    def __init__(self, sentences, min_freq=1):\n"
        "        d = NgramLM(2, 'kneser_ney').fit(sentences, min_freq=min_freq).discounts[1]\n"
        "        self.model = NgramLM(2, 'kneser_ney', discount=(0.0, d)).fit(sentences, min_freq=min_freq)\n"
        "    def logprob(self, word, context):\n"
        "        return self.model.logprob(word, context)",
    ],
}

# Wrong answers (indices into WRONG) that the visible checks alone must reject.
VISIBLE: dict[str, list[int]] = {
    "ngrams": [0, 1, 2, 3],
    "count_ngrams": [0, 1, 2, 3],
    "perplexity": [0, 1, 2, 3, 4],
    "add_k": [0, 1, 2],
    "continuation": [0, 1, 2],
    "kneser_ney": [0, 1, 2],
    "kneser_ney_model": [0, 1, 2, 3],
}
