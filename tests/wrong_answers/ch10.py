"""Wrong answers for chapter 10_qa: each must make its check cell fail with words."""

CHAPTER = "10_qa"

_SPAN_HEAD = "def answer_token_span(offsets, sequence_ids, start_char, end_char):\n"

_CAPSTONE_ANSWERS = (
    "def my_answers(model, questions, contexts):\n"
    "    enc = tokenizer(list(questions), list(contexts), truncation='only_second', max_length=MAX_LENGTH,\n"
    "                    padding=True, return_offsets_mapping=True, return_tensors='pt')\n"
    "    model.eval()\n"
    "    with torch.no_grad():\n"
    "        (start, end), _ = model(enc['input_ids'], enc['token_type_ids'], enc['attention_mask'])\n"
    "    answers = []\n"
    "    for i, context in enumerate(contexts):\n"
    "        mask = torch.tensor([s == 1 for s in enc.sequence_ids(i)])\n"
    "        s, e, _ = best_legal_span(start[i], end[i], mask, 10)\n"
    "        answers.append(context[int(enc['offset_mapping'][i, s, 0]):\n"
    "                               int(enc['offset_mapping'][i, e, 1])])\n"
    "    return answers\n"
)


def _capstone_train(label: str = "(s, e)", lr: str = "5e-4") -> str:
    """A train_my_reader with the solution's structure; ``label`` is the (start, end) label it stores."""
    return (
        "def train_my_reader(examples, steps, seed=0):\n"
        "    enc = tokenizer([e['question'] for e in examples], [e['context'] for e in examples],\n"
        "                    truncation='only_second', max_length=MAX_LENGTH, padding=True,\n"
        "                    return_offsets_mapping=True, return_tensors='pt')\n"
        "    spans = []\n"
        "    for i, e in enumerate(examples):\n"
        "        a = e['answers']['answer_start'][0]\n"
        "        span = answer_token_span(enc['offset_mapping'][i].tolist(), enc.sequence_ids(i), a,\n"
        "                                 a + len(e['answers']['text'][0]))\n"
        "        s, e = span if span is not None else (0, 0)\n"
        f"        spans.append({label})\n"
        "    starts, ends = torch.tensor([s for s, _ in spans]), torch.tensor([t for _, t in spans])\n"
        "    torch.manual_seed(seed)\n"
        "    my_model = BertForQuestionAnswering.from_pretrained(num_hidden_layers=LAYERS)\n"
        "    order = torch.randperm(len(examples), generator=torch.Generator().manual_seed(seed))\n"
        "    def batch(step):\n"
        "        rows = order[(step * 16) % (len(examples) - 15):][:16]\n"
        "        width = int(enc['attention_mask'][rows].sum(1).max())\n"
        "        return (enc['input_ids'][rows, :width], enc['token_type_ids'][rows, :width],\n"
        "                enc['attention_mask'][rows, :width], starts[rows].clamp(max=width - 1),\n"
        "                ends[rows].clamp(max=width - 1))\n"
        f"    optimizer = torch.optim.AdamW(my_model.parameters(), lr={lr})\n"
        "    train(my_model, batch, steps, optimizer, clip=1.0, progress=False)\n"
        "    return my_model\n"
    )


WRONG: dict[str, list[str]] = {
    "answer_token_span": [
        # calls the course's own implementation
        _SPAN_HEAD + "    from nlpcourse.qa import char_span_to_token_span\n"
        "    return char_span_to_token_span(offsets, start_char, end_char, sequence_ids)",
        # question tokens count as context: their offsets point into the question
        _SPAN_HEAD + "    tokens = [i for i in range(len(offsets)) if offsets[i][1] > offsets[i][0]]\n"
        "    if offsets[tokens[0]][0] > start_char or offsets[tokens[-1]][1] < end_char:\n"
        "        return None\n"
        "    return (next(i for i in tokens if offsets[i][1] > start_char),\n"
        "            max(i for i in tokens if offsets[i][0] < end_char))",
        # end_char is exclusive: the token that starts at end_char is taken too
        _SPAN_HEAD + "    tokens = [i for i, s in enumerate(sequence_ids) if s == 1]\n"
        "    if offsets[tokens[0]][0] > start_char or offsets[tokens[-1]][1] < end_char:\n"
        "        return None\n"
        "    return (next(i for i in tokens if offsets[i][1] > start_char),\n"
        "            max(i for i in tokens if offsets[i][0] <= end_char))",
        # never None: a window that cuts the answer still gets a span
        _SPAN_HEAD + "    tokens = [i for i, s in enumerate(sequence_ids) if s == 1]\n"
        "    return (next(i for i in tokens if offsets[i][1] > start_char),\n"
        "            max(i for i in tokens if offsets[i][0] < end_char))",
        # an exclusive end token, Python-slice style
        _SPAN_HEAD + "    tokens = [i for i, s in enumerate(sequence_ids) if s == 1]\n"
        "    if offsets[tokens[0]][0] > start_char or offsets[tokens[-1]][1] < end_char:\n"
        "        return None\n"
        "    return (next(i for i in tokens if offsets[i][1] > start_char),\n"
        "            max(i for i in tokens if offsets[i][0] < end_char) + 1)",
    ],
    "best_legal_span": [
        # calls the course's own decoder
        "def best_legal_span(start_logits, end_logits, context_mask, max_answer_len):\n"
        "    from nlpcourse.qa import best_span\n"
        "    return best_span(start_logits, end_logits, max_answer_len, context_mask)",
        # best start and best end taken separately
        "def best_legal_span(start_logits, end_logits, context_mask, max_answer_len):\n"
        "    s = int(start_logits.masked_fill(~context_mask, float('-inf')).argmax())\n"
        "    e = int(end_logits.masked_fill(~context_mask, float('-inf')).argmax())\n"
        "    return s, e, float(start_logits[s] + end_logits[e])",
        # forgets the length limit
        "def best_legal_span(start_logits, end_logits, context_mask, max_answer_len):\n"
        "    n = start_logits.shape[0]\n"
        "    i, j = torch.arange(n)[:, None], torch.arange(n)[None, :]\n"
        "    ok = (i <= j) & context_mask[:, None] & context_mask[None, :]\n"
        "    scores = start_logits[:, None] + end_logits[None, :]\n"
        "    flat = int(scores.masked_fill(~ok, float('-inf')).argmax())\n"
        "    s, e = divmod(flat, n)\n    return s, e, float(start_logits[s] + end_logits[e])",
        # forgets the context mask: [CLS] and question tokens become answers
        "def best_legal_span(start_logits, end_logits, context_mask, max_answer_len):\n"
        "    n = start_logits.shape[0]\n"
        "    i, j = torch.arange(n)[:, None], torch.arange(n)[None, :]\n"
        "    ok = (i <= j) & (j - i < max_answer_len)\n"
        "    scores = start_logits[:, None] + end_logits[None, :]\n"
        "    flat = int(scores.masked_fill(~ok, float('-inf')).argmax())\n"
        "    s, e = divmod(flat, n)\n    return s, e, float(start_logits[s] + end_logits[e])",
        # length off by one: spans of max_answer_len + 1 tokens allowed
        "def best_legal_span(start_logits, end_logits, context_mask, max_answer_len):\n"
        "    n = start_logits.shape[0]\n"
        "    i, j = torch.arange(n)[:, None], torch.arange(n)[None, :]\n"
        "    ok = (i <= j) & (j - i <= max_answer_len) & context_mask[:, None] & context_mask[None, :]\n"
        "    scores = start_logits[:, None] + end_logits[None, :]\n"
        "    flat = int(scores.masked_fill(~ok, float('-inf')).argmax())\n"
        "    s, e = divmod(flat, n)\n    return s, e, float(start_logits[s] + end_logits[e])",
    ],
    "squad_f1": [
        # calls the course's own metric
        "def squad_f1(prediction, references):\n"
        "    from nlpcourse.qa import squad_em_f1\n    return squad_em_f1(prediction, references)[1]",
        # no normalisation at all
        "def squad_f1(prediction, references):\n"
        "    def f1(p, g):\n"
        "        common = sum((Counter(p) & Counter(g)).values())\n"
        "        if common == 0:\n            return 0.0\n"
        "        return 2 * common / (len(p) + len(g))\n"
        "    return max(f1(prediction.split(), r.split()) for r in references)",
        # precision instead of F1
        "def squad_f1(prediction, references):\n"
        "    def norm(t):\n"
        "        t = ''.join(c for c in t.lower() if c not in set(string.punctuation))\n"
        "        return re.sub(r'\\b(a|an|the)\\b', ' ', t).split()\n"
        "    def precision(p, g):\n"
        "        common = sum((Counter(p) & Counter(g)).values())\n"
        "        return float(p == g) if not p or not g else common / len(p)\n"
        "    return max(precision(norm(prediction), norm(r)) for r in references)",
        # scores the first reference only
        "def squad_f1(prediction, references):\n"
        "    def norm(t):\n"
        "        t = ''.join(c for c in t.lower() if c not in set(string.punctuation))\n"
        "        return re.sub(r'\\b(a|an|the)\\b', ' ', t).split()\n"
        "    p, g = norm(prediction), norm(references[0])\n"
        "    if not p or not g:\n        return float(p == g)\n"
        "    common = sum((Counter(p) & Counter(g)).values())\n"
        "    return 0.0 if common == 0 else 2 * common / (len(p) + len(g))",
        # SQuAD v1.1's script on empty answers: 0 even when both are empty
        "def squad_f1(prediction, references):\n"
        "    def norm(t):\n"
        "        t = ''.join(c for c in t.lower() if c not in set(string.punctuation))\n"
        "        return re.sub(r'\\b(a|an|the)\\b', ' ', t).split()\n"
        "    def f1(p, g):\n"
        "        common = sum((Counter(p) & Counter(g)).values())\n"
        "        return 0.0 if common == 0 else 2 * common / (len(p) + len(g))\n"
        "    return max(f1(norm(prediction), norm(r)) for r in references)",
        # removes 'the' inside words too
        "def squad_f1(prediction, references):\n"
        "    def norm(t):\n"
        "        t = ''.join(c for c in t.lower() if c not in set(string.punctuation))\n"
        "        for article in ('the', 'an', 'a'):\n            t = t.replace(article + ' ', ' ')\n"
        "        return t.split()\n"
        "    def f1(p, g):\n"
        "        if not p or not g:\n            return float(p == g)\n"
        "        common = sum((Counter(p) & Counter(g)).values())\n"
        "        return 0.0 if common == 0 else 2 * common / (len(p) + len(g))\n"
        "    return max(f1(norm(prediction), norm(r)) for r in references)",
    ],
    "bm25_scores": [
        # calls the course's own index
        "def bm25_scores(query, documents, k1=1.5, b=0.75):\n"
        "    from nlpcourse.qa import BM25\n"
        "    return torch.from_numpy(BM25(documents, k1=k1, b=b).scores(query))",
        # the classic Robertson idf, without the 1 +
        "def bm25_scores(query, documents, k1=1.5, b=0.75):\n"
        "    n = len(documents)\n    avgdl = sum(len(d) for d in documents) / n\n"
        "    df = Counter(t for d in documents for t in set(d))\n"
        "    out = torch.zeros(n, dtype=torch.float64)\n"
        "    for t in query:\n"
        "        for i, d in enumerate(documents):\n"
        "            f = d.count(t)\n"
        "            if f:\n"
        "                idf = math.log((n - df[t] + 0.5) / (df[t] + 0.5))\n"
        "                out[i] += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(d) / avgdl))\n"
        "    return out",
        # no length normalisation
        "def bm25_scores(query, documents, k1=1.5, b=0.75):\n"
        "    n = len(documents)\n"
        "    df = Counter(t for d in documents for t in set(d))\n"
        "    out = torch.zeros(n, dtype=torch.float64)\n"
        "    for t in query:\n"
        "        for i, d in enumerate(documents):\n"
        "            f = d.count(t)\n"
        "            if f:\n"
        "                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))\n"
        "                out[i] += idf * f * (k1 + 1) / (f + k1)\n"
        "    return out",
        # each query term once
        "def bm25_scores(query, documents, k1=1.5, b=0.75):\n"
        "    n = len(documents)\n    avgdl = sum(len(d) for d in documents) / n\n"
        "    df = Counter(t for d in documents for t in set(d))\n"
        "    out = torch.zeros(n, dtype=torch.float64)\n"
        "    for t in set(query):\n"
        "        for i, d in enumerate(documents):\n"
        "            f = d.count(t)\n"
        "            if f:\n"
        "                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))\n"
        "                out[i] += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(d) / avgdl))\n"
        "    return out",
        # float32 scores
        "def bm25_scores(query, documents, k1=1.5, b=0.75):\n"
        "    n = len(documents)\n    avgdl = sum(len(d) for d in documents) / n\n"
        "    df = Counter(t for d in documents for t in set(d))\n"
        "    out = torch.zeros(n)\n"
        "    for t in query:\n"
        "        for i, d in enumerate(documents):\n"
        "            f = d.count(t)\n"
        "            if f:\n"
        "                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))\n"
        "                out[i] += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(d) / avgdl))\n"
        "    return out",
    ],
    "capstone_reader": [
        # calls the course's own trainer and reader
        "def train_my_reader(examples, steps, seed=0):\n"
        "    from nlpcourse.qa import encode_windows, train_reader\n"
        "    f = encode_windows(tokenizer, [e['question'] for e in examples],\n"
        "                       [e['context'] for e in examples],\n"
        "                       [e['answers'] for e in examples], max_length=MAX_LENGTH, doc_stride=32)\n"
        "    torch.manual_seed(seed)\n"
        "    m = BertForQuestionAnswering.from_pretrained(num_hidden_layers=LAYERS)\n"
        "    train_reader(m, f, steps, lr=5e-4, seed=seed, progress=False)\n"
        "    return m\n"
        "def my_answers(model, questions, contexts):\n"
        "    from nlpcourse.qa import Reader\n"
        "    return [p.text for p in Reader(model, tokenizer, max_length=MAX_LENGTH, doc_stride=32,\n"
        "                                   max_answer_len=10).predict(questions, contexts)]",
        # labels the start one token too early (the token before the answer)
        _capstone_train(label="(max(s - 1, 0), e)") + _CAPSTONE_ANSWERS,
        # answers with the word pieces, not the context's characters
        _capstone_train()
        + _CAPSTONE_ANSWERS.replace(
            "answers.append(context[int(enc['offset_mapping'][i, s, 0]):\n"
            "                               int(enc['offset_mapping'][i, e, 1])])",
            "answers.append(tokenizer.convert_tokens_to_string(\n"
            "            tokenizer.convert_ids_to_tokens(enc['input_ids'][i, s:e + 1].tolist())))",
        ),
        # a learning rate far too small to learn anything in 30 steps
        _capstone_train(lr="5e-7") + _CAPSTONE_ANSWERS,
    ],
}

VISIBLE: dict[str, list[int]] = {
    "answer_token_span": [1, 2, 3, 4],
    "best_legal_span": [1, 2, 3, 4],
    "squad_f1": [1, 2, 3],
    "bm25_scores": [1, 2, 3, 4],
    "capstone_reader": [2],
}
