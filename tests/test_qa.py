"""Chapter 10's package: offsets, windows, the span head, decoding, SQuAD metrics, BM25, dense retrieval
and retrieve-and-read, each against an independent reference (transformers, brute force, hand values)."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from nlpcourse.pretraining import BertConfig
from nlpcourse.qa import (
    BM25,
    BertForQuestionAnswering,
    DenseRetriever,
    Reader,
    RetrieveAndRead,
    best_span,
    best_span_brute_force,
    bm25_tokenize,
    char_span_to_token_span,
    check_answer,
    decode_windows,
    docstring_questions,
    em_f1_by_group,
    encode_windows,
    heuristic_answer,
    load_fast_tokenizer,
    n_best_spans,
    normalize_answer,
    question_type,
    recall_at_k,
    squad_em_f1,
    token_span_to_char_span,
    train_reader,
)
from nlpcourse.qa.transformers_reader import transformers_read


@pytest.fixture(scope="module")
def tokenizer():
    return load_fast_tokenizer()


@pytest.fixture(scope="module")
def minilm_reader():
    """MiniLM with a random span head (seeded): decoding must agree whatever the head learned."""
    torch.manual_seed(3)
    return BertForQuestionAnswering.from_pretrained(num_hidden_layers=2)


# --- offsets ---------------------------------------------------------------------------------------

TRICKY = [
    ("Where does Zoë live?", "Zoë Müller lives in Zürich, near the Café Noir.", "Zürich"),
    ("What is the name?", "The   name  is    Ångström-Lab, not   something else.", "Ångström-Lab"),
    ("Which city?", "東京 is the capital; Tokyo (東京) is large.", "Tokyo"),
    ("What does it return?", "Return the os.path.join() of a and b.", "os.path.join()"),
    ("Who?", "naïve résumés: Jean-Luc's CV", "Jean-Luc's"),
]


@pytest.mark.parametrize(("question", "context", "answer"), TRICKY)
def test_char_span_to_token_span_agrees_with_char_to_token(tokenizer, question, context, answer):
    start = context.index(answer)
    end = start + len(answer)
    encoded = tokenizer(question, context, return_offsets_mapping=True)
    span = char_span_to_token_span(encoded["offset_mapping"], start, end, encoded.sequence_ids())
    # independent: the tokenizer's own character -> token map (sequence 1 = the context)
    expected = (
        encoded.char_to_token(start, sequence_index=1),
        encoded.char_to_token(end - 1, sequence_index=1),
    )
    assert span == expected
    first, last = token_span_to_char_span(encoded["offset_mapping"], *span)
    assert context[first:last] == answer


def test_char_span_on_whitespace_and_inside_a_token(tokenizer):
    context = "She   lives in Madrid today."
    encoded = tokenizer("Where?", context, return_offsets_mapping=True)
    offsets, ids = encoded["offset_mapping"], encoded.sequence_ids()
    madrid = context.index("Madrid")
    # a span starting inside a token starts at that token; one that ends in a token ends there
    assert char_span_to_token_span(offsets, madrid + 2, madrid + 4, ids) == (
        encoded.char_to_token(madrid, sequence_index=1),
        encoded.char_to_token(madrid, sequence_index=1),
    )
    # a span that begins in a run of spaces starts at the next token
    lives = (encoded.char_to_token(6, sequence_index=1), encoded.char_to_token(10, sequence_index=1))
    assert char_span_to_token_span(offsets, 3, 11, ids) == lives


def test_char_span_outside_the_tokens_is_none_and_bad_spans_raise(tokenizer):
    encoded = tokenizer("Q?", "abc def", return_offsets_mapping=True)
    offsets, ids = encoded["offset_mapping"], encoded.sequence_ids()
    assert char_span_to_token_span(offsets, 4, 20, ids) is None  # runs past the tokens given
    with pytest.raises(ValueError, match="empty or negative"):
        char_span_to_token_span(offsets, 5, 5, ids)
    with pytest.raises(ValueError, match="out of range"):
        token_span_to_char_span(offsets, 2, len(offsets))
    with pytest.raises(ValueError, match="special tokens|outside the context"):
        token_span_to_char_span(offsets, 0, 0)
    with pytest.raises(ValueError, match="same encoding"):
        char_span_to_token_span(offsets, 0, 3, ids[:-1])


def test_answer_not_in_context_and_empty_question_raise(tokenizer):
    with pytest.raises(ValueError, match="not at character 3"):
        check_answer("Kate lives in Madrid.", 3, "Madrid")
    with pytest.raises(ValueError, match="out of range"):
        check_answer("Kate lives in Madrid.", 30, "Madrid")
    with pytest.raises(ValueError, match="question 0 is empty"):
        encode_windows(tokenizer, ["  "], ["Kate lives in Madrid."])
    with pytest.raises(ValueError, match="does not occur"):
        encode_windows(
            tokenizer, ["Where?"], ["Kate lives in Madrid."], [{"text": ["Paris"], "answer_start": [0]}]
        )
    with pytest.raises(TypeError, match="fast tokenizer"):  # e.g. a pure-Python tokenizer: no offsets
        encode_windows(SimpleNamespace(is_fast=False), ["Where?"], ["Kate lives in Madrid."])


def _hf_label(offsets, sequence_ids, start_char, end_char):
    """transformers' run_qa.py labelling (prepare_train_features), as published in its QA examples."""
    token_start = 0
    while sequence_ids[token_start] != 1:
        token_start += 1
    token_end = len(offsets) - 1
    while sequence_ids[token_end] != 1:
        token_end -= 1
    if not (offsets[token_start][0] <= start_char and offsets[token_end][1] >= end_char):
        return 0, 0
    while token_start < len(offsets) and offsets[token_start][0] <= start_char:
        token_start += 1
    while offsets[token_end][1] >= end_char:
        token_end -= 1
    return token_start - 1, token_end + 1


def test_windows_label_like_transformers_examples_and_cut_answers(tokenizer):
    words = [f"w{i}" for i in range(60)]
    context = " ".join(words[:30]) + " the answer is Madrid Spain " + " ".join(words[30:])
    start = context.index("Madrid Spain")
    answers = [{"text": ["Madrid Spain"], "answer_start": [start]}]
    f = encode_windows(tokenizer, ["Where is it?"], [context], answers, max_length=32, doc_stride=8)
    assert len(f.input_ids) > 3 and set(f.example_index.tolist()) == {0}
    encoded = tokenizer(
        ["Where is it?"],
        [context],
        truncation="only_second",
        max_length=32,
        stride=8,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="longest",
    )
    found = 0
    for w in range(len(f.input_ids)):
        expected = _hf_label(encoded["offset_mapping"][w], encoded.sequence_ids(w), start, start + 12)
        assert (int(f.start_positions[w]), int(f.end_positions[w])) == expected
        if expected != (0, 0):
            found += 1
            s, e = expected
            assert context[f.offsets[w, s, 0] : f.offsets[w, e, 1]] == "Madrid Spain"
        else:  # the window does not hold the whole answer: it is cut or outside
            inside = f.offsets[w][f.context_mask[w]]
            assert int(inside[0, 0]) > start or int(inside[-1, 1]) < start + 12
    assert found >= 1
    # a window border through the answer: shift the answer until some window cuts it
    cut = 0
    for shift in range(12):
        ctx = " ".join(words[:shift]) + " Madrid Spain " + " ".join(words[shift:])
        s0 = ctx.index("Madrid Spain")
        g = encode_windows(
            tokenizer,
            ["Where?"],
            [ctx],
            [{"text": ["Madrid Spain"], "answer_start": [s0]}],
            max_length=20,
            doc_stride=6,
        )
        for w in range(len(g.input_ids)):
            inside = g.offsets[w][g.context_mask[w]]
            lo, hi = int(inside[0, 0]), int(inside[-1, 1])
            if lo <= s0 < hi < s0 + 12 or s0 < lo < s0 + 12 <= hi:  # the border cuts the answer
                cut += 1
                assert int(g.start_positions[w]) == int(g.end_positions[w]) == 0
        assert int((g.start_positions > 0).sum()) >= 1  # and another window holds it whole
    assert cut > 0


def test_window_parameters_are_checked(tokenizer):
    with pytest.raises(ValueError, match="no room for context"):
        encode_windows(tokenizer, ["a long question " * 5], ["ctx"], max_length=16, doc_stride=8)


# --- span head ---------------------------------------------------------------------------------------


def test_span_head_equals_transformers_tiny():
    config = BertConfig(
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=64,
    )
    ours = BertForQuestionAnswering(config).eval()
    theirs = ours.to_transformers().eval()
    ids = torch.randint(1, 99, (13, 7))
    types = torch.randint(0, 2, (13, 7))
    mask = torch.ones(13, 7, dtype=torch.long)
    mask[3, 4:] = 0
    starts, ends = torch.randint(0, 7, (13,)), torch.randint(0, 7, (13,))
    (s, e), loss = ours(ids, types, mask, starts, ends)
    out = theirs(
        input_ids=ids, token_type_ids=types, attention_mask=mask, start_positions=starts, end_positions=ends
    )
    torch.testing.assert_close(s, out.start_logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(e, out.end_logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(loss, out.loss, atol=1e-5, rtol=0)
    back = BertForQuestionAnswering.from_transformers(theirs)
    torch.testing.assert_close(back(ids, types, mask)[0].start_logits, s, atol=0, rtol=0)


def test_span_head_from_minilm_equals_transformers(tokenizer, minilm_reader):
    theirs = minilm_reader.to_transformers().eval()
    batch = tokenizer(
        ["Where does Kate live?", "Who?"],
        ["Kate lives in Madrid with her cat.", "Tom."],
        padding=True,
        return_tensors="pt",
    )
    (s, e), _ = minilm_reader(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
    out = theirs(**batch)
    assert (s - out.start_logits).abs().max() <= 1e-4 and (e - out.end_logits).abs().max() <= 1e-4
    full = BertForQuestionAnswering.from_pretrained()
    assert len(full.bert.encoder.layer) == 6
    with pytest.raises(ValueError, match="num_hidden_layers"):
        BertForQuestionAnswering.from_pretrained(num_hidden_layers=7)


# --- decoding ----------------------------------------------------------------------------------------


def test_best_span_equals_brute_force_on_random_logits():
    g = torch.Generator().manual_seed(0)
    for trial in range(300):
        n = int(torch.randint(1, 60, (1,), generator=g))
        start, end = torch.randn(n, generator=g), torch.randn(n, generator=g)
        max_len = int(torch.randint(1, 12, (1,), generator=g))
        mask = torch.rand(n, generator=g) > 0.3 if trial % 2 else None
        if mask is not None and not mask.any():
            continue
        got = best_span(start, end, max_len, mask)
        # independent brute force in plain Python over every pair
        legal = [True] * n if mask is None else mask.tolist()
        pairs = [(s, e) for s in range(n) for e in range(s, min(n, s + max_len)) if legal[s] and legal[e]]
        s, e = max(pairs, key=lambda p: float(start[p[0]]) + float(end[p[1]]))
        assert got[:2] == (s, e)
        assert math.isclose(got[2], float(start[s]) + float(end[e]), rel_tol=1e-6)
        assert best_span_brute_force(start, end, max_len, mask)[:2] == (s, e)
        best = n_best_spans(start, end, 5, max_len, mask)
        expected = sorted(pairs, key=lambda p: -(float(start[p[0]]) + float(end[p[1]])))[:5]
        assert [(a, b) for a, b, _ in best] == expected


def test_best_span_equals_transformers_pipeline_decoder():
    from transformers.pipelines.document_question_answering import select_starts_ends

    g = torch.Generator().manual_seed(1)
    for _ in range(100):
        n = 40
        start, end = torch.randn(n, generator=g) * 3, torch.randn(n, generator=g) * 3
        p_mask = np.array([i < 8 or i == n - 1 for i in range(n)])  # question and [SEP]
        p_mask[0] = False
        s, e, _ = best_span(start, end, 15, torch.from_numpy(~p_mask) & (torch.arange(n) > 0))
        starts, ends, _, _ = select_starts_ends(
            start[None].numpy(), end[None].numpy(), p_mask, np.ones((1, n), dtype=np.int64), max_answer_len=15
        )
        assert (s, e) == (int(starts[0]), int(ends[0]))


def test_best_span_bad_input():
    with pytest.raises(ValueError, match="1-D"):
        best_span(torch.randn(2, 5), torch.randn(2, 5))
    with pytest.raises(ValueError, match="same length"):
        best_span(torch.randn(5), torch.randn(4))
    with pytest.raises(ValueError, match="no legal span"):
        best_span(torch.randn(5), torch.randn(5), context_mask=torch.zeros(5, dtype=torch.bool))


def test_no_answer_threshold_and_windows(tokenizer):
    contexts = ["Kate lives in Madrid.", "Tom has a dog."]
    f = encode_windows(tokenizer, ["Where does Kate live?", "Where does Kate live?"], contexts)
    width = f.input_ids.size(1)
    start, end = torch.full((2, width), -5.0), torch.full((2, width), -5.0)
    madrid = char_span_to_token_span(
        f.offsets[0].tolist(), 14, 20, [1 if m else 0 for m in f.context_mask[0]]
    )
    start[0, madrid[0]], end[0, madrid[1]] = 4.0, 4.0
    start[:, 0] = end[:, 0] = torch.tensor([1.0, 3.0])  # [CLS]: null scores 2 and 6
    always = decode_windows(start, end, f, contexts)
    assert always[0].text == "Madrid" and always[0].start == 14
    squad2 = decode_windows(start, end, f, contexts, null_threshold=0.0)
    assert squad2[0].text == "Madrid" and squad2[1].text == "" and squad2[1].null_score == 6.0


# --- metrics -----------------------------------------------------------------------------------------


def test_squad_normalisation_and_scores_by_hand():
    assert normalize_answer("The  Eiffel Tower!") == "eiffel tower"
    assert normalize_answer("An apple, a day") == "apple day"
    assert normalize_answer("theatre") == "theatre"  # 'the' only as a word
    assert squad_em_f1("the Eiffel tower.", ["Eiffel Tower"]) == (1.0, 1.0)
    em, f1 = squad_em_f1("Eiffel tower in Paris", ["the Eiffel Tower"])
    assert em == 0.0 and math.isclose(f1, 2 * (2 / 4) * (2 / 2) / (2 / 4 + 2 / 2))  # P=1/2, R=1
    assert squad_em_f1("Paris", ["Lyon", "paris!"]) == (1.0, 1.0)  # maximum over references
    assert squad_em_f1("cat cat dog", ["cat dog dog"])[1] == pytest.approx(2 / 3)  # multiset overlap
    assert squad_em_f1("", [""]) == (1.0, 1.0) and squad_em_f1("Paris", [""]) == (0.0, 0.0)
    with pytest.raises(TypeError, match="list"):
        squad_em_f1("x", "x")
    with pytest.raises(ValueError, match="no reference"):
        squad_em_f1("x", [])
    table = em_f1_by_group(["Madrid", "two dogs"], [["Madrid"], ["two"]], ["city", "pets"])
    assert table["all"]["em"] == 50.0 and table["pets"]["f1"] == pytest.approx(100 * 2 / 3)


# --- baseline ----------------------------------------------------------------------------------------


def test_question_types_and_baseline_falls_for_the_sibling():
    context = "Kate is a woman from Spain. Her sister Jane lives in Athens. She lives in Madrid."
    assert question_type("Where does Kate live?") == "home city"
    assert question_type("Where does Kate's sister live?") == "sibling's city"
    assert heuristic_answer("Where does Kate live?", context) == "Athens"  # the distractor
    assert heuristic_answer("Which country is Kate from?", context) == "Spain"


# --- retrieval ---------------------------------------------------------------------------------------


def test_bm25_by_hand_and_against_a_dense_formula():
    docs = [["the", "cat", "sat"], ["the", "dog", "sat", "sat"], ["a", "bird"]]
    index = BM25(docs, k1=1.5, b=0.75)
    avgdl = 3.0
    idf_cat = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    idf_sat = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    expected0 = idf_cat * 1 * 2.5 / (1 + 1.5 * (1 - 0.75 + 0.75 * 3 / avgdl)) + idf_sat * 1 * 2.5 / (
        1 + 1.5 * (1 - 0.75 + 0.75 * 3 / avgdl)
    )
    expected1 = idf_sat * 2 * 2.5 / (2 + 1.5 * (1 - 0.75 + 0.75 * 4 / avgdl))
    np.testing.assert_allclose(index.scores(["cat", "sat"]), [expected0, expected1, 0.0])
    # the same formula on scikit-learn's term counts, for random documents
    from sklearn.feature_extraction.text import CountVectorizer

    rng = random.Random(0)
    vocab = [f"t{i}" for i in range(30)]
    docs = [[rng.choice(vocab) for _ in range(rng.randint(1, 25))] for _ in range(50)]
    counts = CountVectorizer(analyzer=lambda d: d).fit(docs)
    tf = counts.transform(docs).toarray().astype(float)
    df = (tf > 0).sum(0)
    idf = np.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
    lengths = tf.sum(1, keepdims=True)
    weights = idf * tf * 2.2 / (tf + 1.2 * (1 - 0.6 + 0.6 * lengths / lengths.mean()))
    query = ["t1", "t5", "t5", "t29", "nope"]
    q = np.zeros(len(counts.vocabulary_))
    for t in query:
        if t in counts.vocabulary_:
            q[counts.vocabulary_[t]] += 1
    np.testing.assert_allclose(BM25(docs, k1=1.2, b=0.6).scores(query), weights @ q, rtol=1e-10)
    with pytest.raises(TypeError, match="tokens"):
        BM25(docs).scores("t1 t5")
    with pytest.raises(ValueError, match="empty"):
        BM25(docs).search("  ")


def test_docstring_questions_are_deterministic_and_answerable():
    from nlpcourse.data import docstring_paragraphs

    paragraphs, doc_ids = docstring_paragraphs()
    first = docstring_questions(paragraphs, doc_ids, n=50, seed=0)
    assert first == docstring_questions(paragraphs, doc_ids, n=50, seed=0) and len(first) == 50
    for q in first:
        assert paragraphs[q.passage].startswith(q.sentence.split()[0])
        assert q.question.startswith("Which function")
        assert q.sentence.rstrip(".").split()[1:] == q.question.rstrip("?").split()[3:]
    index = BM25([bm25_tokenize(p) for p in paragraphs])
    recall = recall_at_k(index.search, first, ks=(1, 5))
    assert recall[5] >= recall[1] >= 0.5  # the question copies the passage's words


def test_dense_retriever_equals_transformers_mean_pooling(tokenizer):
    from nlpcourse.pretrained import load_bert, load_model, sentence_embeddings

    passages = [
        "Return the absolute value of the argument.",
        "Open a file and return a stream.",
        "Kate lives in Madrid.",
        "Sort the list in place, stably, by a key function.",
    ]
    dense = DenseRetriever(passages, tokenizer, load_bert(), batch_size=3, progress=False)
    model = load_model()
    reference = sentence_embeddings(passages, tokenizer, model)
    torch.testing.assert_close(dense.vectors, reference, atol=1e-5, rtol=0)
    question = "How do I get the magnitude of a number?"
    query = sentence_embeddings([question], tokenizer, model)[0]
    torch.testing.assert_close(dense.scores(question), reference @ query, atol=1e-5, rtol=0)
    assert dense.search(question, 1)[0] == [0]


# --- reading -----------------------------------------------------------------------------------------


def test_reader_and_retrieve_and_read_equal_transformers_reading(tokenizer, minilm_reader):
    passages = [
        "Kate is a woman from Spain. She lives in Madrid. Her sister Jane lives in Athens.",
        "Return the absolute value of the argument.",
        " ".join(f"word{i}" for i in range(150)) + " Tom has two dogs.",
    ]
    question = "Where does Kate live?"
    reader = Reader(minilm_reader, tokenizer, max_length=64, doc_stride=16, max_answer_len=10)
    ours = reader.read(question, passages)
    theirs = transformers_read(
        question,
        passages,
        minilm_reader.to_transformers().eval(),
        tokenizer,
        max_length=64,
        doc_stride=16,
        max_answer_len=10,
    )
    # within a window the pipeline's p_start * p_end and our logit sum rank spans alike; across windows
    # it compares probabilities, we compare logits, so compare single-window passages exactly
    for ours_answer, their_answer in zip(ours[:2], theirs[:2], strict=True):
        assert (ours_answer.text, ours_answer.start) == (their_answer.answer, their_answer.start)
    system = RetrieveAndRead(BM25([bm25_tokenize(p) for p in passages]).search, passages, reader, k=2)
    answer = system.answer(question)
    assert answer.retrieved[0] == 0 and answer.passage in answer.retrieved
    assert answer.text == ours[answer.passage].text if answer.passage < 2 else True
    with pytest.raises(ValueError, match="empty"):
        system.answer("")


def test_train_reader_learns_on_the_shared_loop(tokenizer):
    from nlpcourse.data import qa_dataset

    data = qa_dataset(sizes=(64, 8, 8), seed=1)["train"]
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    model = BertForQuestionAnswering(config)
    features = encode_windows(
        tokenizer,
        list(data["question"]),
        list(data["context"]),
        list(data["answers"]),
        max_length=96,
        doc_stride=32,
    )
    history = train_reader(
        model, features, steps=40, batch_size=16, lr=3e-3, progress=False, freeze_word_embeddings=False
    )
    assert np.mean(history["loss"][-5:]) < 0.8 * np.mean(history["loss"][:5])
    assert not model.training
