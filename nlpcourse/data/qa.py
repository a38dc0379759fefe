"""Extractive question answering in SQuAD form, from the facts of toy-world people.

    ds = qa_dataset(sizes=(5000, 500, 500), seed=0)
    ds["train"][0]
    # {'id': 'toyqa-000000', 'title': 'Mary',
    #  'context': 'Mary is a woman from Japan. Her husband is called Tom. She lives in Tokyo. ...',
    #  'question': 'Where does Mary live?',
    #  'answers': {'text': ['Tokyo'], 'answer_start': [62]}}

Each example is a new random person (:meth:`nlpcourse.data.toyworld.ToyWorld.person`), so a model
cannot answer from memory, only by reading. The context opens with "<Name> is a <man|woman> from
<Country>.", then gives, in random order, at least three of the person's facts (home city, language,
spouse, pets, food, a sibling who lives in another city) and up to two distracting sentences about
actions (which may name other cities and animals). One question is asked about a fact in the context:

==========================================  ====================================
question                                    answer (a span of the fact's sentence)
==========================================  ====================================
Which country is <Name> from?               the country
Where does <Name> live?                     the home city (the sibling's city is a distractor)
What language does <Name> speak?            the language
What is the name of <Name>'s wife/husband?  the spouse's name
How many <animals> does <Name> have?        the number word (two or more pets)
What animal does <Name> have?               the animal (one pet)
What does <Name> like to eat?               the food
Where does <Name>'s brother/sister live?    the sibling's city
==========================================  ====================================

``answer_start`` is the character offset of the answer in ``context``, computed while the context is
written: ``context[start:start + len(text)] == text`` for every example.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nlpcourse.data.splits import check_seed, check_sizes, draw_unique, to_dataset_dict
from nlpcourse.data.toyworld import NUMBERS, Person, ToyWorld, render

__all__ = ["qa_dataset", "person_facts"]


def person_facts(p: Person) -> list[tuple[str, str, str]]:
    """The facts of a person as ``(sentence tokens joined by spaces, question, answer token)``."""
    he, his, _ = p.pronouns
    name = p.name.capitalize()
    facts = [
        (f"{p.name} is a {p.noun} from {p.country}", f"Which country is {name} from?", p.country),
        (f"{he} lives in {p.capital}", f"Where does {name} live?", p.capital),
        (f"{he} speaks {p.language}", f"What language does {name} speak?", p.language),
        (
            f"{his} {p.spouse_noun} is called {p.spouse}",
            f"What is the name of {name}'s {p.spouse_noun}?",
            p.spouse,
        ),
        (f"{he} likes to eat {p.food}", f"What does {name} like to eat?", p.food),
        (
            f"{his} {p.sibling_noun} {p.sibling} lives in {p.sibling_capital}",
            f"Where does {name}'s {p.sibling_noun} live?",
            p.sibling_capital,
        ),
    ]
    if p.pets == 1:
        facts.append((f"{p.name} has {p.pets_phrase}", f"What animal does {name} have?", p.pet))
    else:
        plural = p.pets_phrase.split()[-1]
        facts.append(
            (f"{p.name} has {p.pets_phrase}", f"How many {plural} does {name} have?", NUMBERS[p.pets - 1])
        )
    return facts


def _example(world: ToyWorld) -> dict[str, Any]:
    r = world.rng
    p = world.person()
    he = p.pronouns[0]
    intro, *facts = person_facts(p)
    chosen = r.sample(facts, r.randint(3, len(facts)))
    sentences = [(fact[0], fact) for fact in chosen]
    sentences += [(world.activity(r.choice([he, p.name]), p.gender), None) for _ in range(r.randint(0, 2))]
    r.shuffle(sentences)
    sentences.insert(0, (intro[0], intro))
    asked = r.choice([fact for _, fact in sentences if fact is not None])
    texts, answer, answer_start, offset = [], "", -1, 0
    for tokens, fact in sentences:
        text = render(tokens.split())
        if fact is asked:
            words = text[:-1].split(" ")  # render joins with single spaces and adds a full stop
            i = len(words) - 1 - tokens.split()[::-1].index(asked[2])
            answer, answer_start = words[i], offset + sum(len(w) + 1 for w in words[:i])
        texts.append(text)
        offset += len(text) + 1
    return {
        "title": p.name.capitalize(),
        "context": " ".join(texts),
        "question": asked[1],
        "answers": {"text": [answer], "answer_start": [answer_start]},
    }


def qa_dataset(sizes: Sequence[int] = (5000, 500, 500), seed: int = 0) -> Any:
    """Toy-world reading comprehension in SQuAD form.

    Returns a ``datasets.DatasetDict`` (train / validation / test) with SQuAD's columns: ``id``,
    ``title``, ``context``, ``question`` and ``answers`` (``{"text": [str], "answer_start": [int]}``).
    """
    from datasets import Features, Value
    from datasets import Sequence as SequenceFeature

    sizes = check_sizes(sizes)
    world = ToyWorld(check_seed(seed))
    examples = draw_unique(
        lambda _: _example(world),
        lambda e: (e["context"], e["question"]),
        sum(sizes),
        world.rng,
        "qa_dataset",
    )
    for i, example in enumerate(examples):
        example["id"] = f"toyqa-{seed}-{i:06d}"
    features = Features(
        {
            "id": Value("string"),
            "title": Value("string"),
            "context": Value("string"),
            "question": Value("string"),
            "answers": SequenceFeature({"text": Value("string"), "answer_start": Value("int32")}),
        }
    )
    return to_dataset_dict(examples, sizes, features)
