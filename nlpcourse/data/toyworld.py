"""A toy world: a seeded probabilistic grammar whose sentences make word relations learnable.

    world = ToyWorld(seed=0)
    world.sentences(3)
    # [['the', 'potato', 'is', 'baked'], ['one', 'potato', 'is', 'on', 'the', 'table'], ...]
    corpus = toy_world_corpus(n_sentences=20_000, seed=0)
    analogies()["capital"][0]     # ('paris', 'france', 'tokyo', 'japan'): paris : france :: tokyo : japan
    similarities()[:2]            # [('mouse', 'mice', 0.9), ('cherry', 'cherries', 0.9)]

The world is fixed (:mod:`nlpcourse.data.lexicon`): twelve countries with a capital and a language,
a king and a queen in each, ten pairs of male and female person nouns, twelve animals (each with a home
and a food) and twelve foods (each with a taste) with their plurals, 24 verbs with their past tenses
(each with a frame of its own: "walked slowly to the park", "ate three apples for lunch"), numbers
from one to twelve. The grammar writes short *documents* of 2-7 related sentences, each of one kind
(chosen with the weights in :data:`KINDS`):

* ``person``: a new person each time (name, gender, country, spouse, pets, food, a sibling abroad):
  "mary is a woman from japan", "she lives in tokyo", "her husband is called tom", "mary has three cats";
* ``royal``: "the king of france lives in paris", "the queen rules the kingdom with her husband the king";
* ``family``: "the son is a boy and the daughter is a girl", "the uncle is a relative and he is happy";
* ``actions``: one subject doing things, "yesterday the queen walked slowly to the park with her friend";
* ``animals`` and ``food``: number agreement with shared contexts, "a dog ate bones" / "three dogs ate
  bones", "the apple is crisp" / "the apples are crisp";
* ``geography``: "paris is the capital of france", "people in france speak french";
* ``numbers``: "two plus three is five".

Sentences about actions choose a tense from the context words: past after ``yesterday`` / ``last
week`` ("yesterday she walked slowly to the park"), base form after ``will``, ``likes to``, ``can`` and
with plural subjects ``every day`` ("every day they walk slowly to the park"). All randomness comes
from one ``random.Random(seed)``: the same seed gives the same sentences on every machine (of a
given Python version: ``random.Random`` is stable across platforms).

Gold sets: :func:`analogies` holds ``a : b :: c : d`` quadruples grouped by relation (``gender``,
``capital``, ``nationality``, ``plural``, ``past_tense``); :func:`similarities` holds word pairs with a
score from the structure of the world (both live in :mod:`nlpcourse.data.goldsets`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from nlpcourse.data.corpus import Corpus
from nlpcourse.data.goldsets import analogies, similarities
from nlpcourse.data.lexicon import (
    ANIMALS,
    COUNTRIES,
    DRINKS,
    FEMALE_NAMES,
    FOOD_TASTES,
    FOODS,
    FRAMES,
    GENDER_PAIRS,
    HABITATS,
    MALE_NAMES,
    NUMBERS,
    PLACES,
    PRONOUNS,
    ROLES,
    ROYALTY,
    VERBS,
)

__all__ = [
    "KINDS",
    "Person",
    "ToyWorld",
    "toy_world_corpus",
    "analogies",
    "similarities",
    "article",
    "render",
]

#: Document kinds and how often each is chosen.
KINDS = {
    "person": 0.22,
    "royal": 0.12,
    "family": 0.14,
    "actions": 0.14,
    "animals": 0.13,
    "food": 0.11,
    "geography": 0.11,
    "numbers": 0.03,
}


def article(noun: str) -> str:
    """``a`` or ``an`` before a singular noun of the toy world ("an apple", "a dog")."""
    return "an" if noun[0] in "aeiou" else "a"


_PROPER = {w for c in COUNTRIES for w in c} | set(MALE_NAMES) | set(FEMALE_NAMES) | {"i"}


def render(tokens: list[str]) -> str:
    """A toy-world sentence as text: names, places and languages capitalized, a full stop at the end.

    ``["mary", "lives", "in", "tokyo"]`` → ``"Mary lives in Tokyo."``
    """
    words = [w.capitalize() if w in _PROPER else w for w in tokens]
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."


def _check_seed(seed: object) -> int:
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    return seed


def _check_count(n: object, what: str) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"{what} must be an int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{what} must be at least 1, got {n}")
    return n


@dataclass(frozen=True)
class Person:
    """One person of a ``person`` document; also the source of the QA task's facts."""

    name: str
    gender: str  # "male" or "female"
    country: str
    capital: str
    language: str
    spouse: str
    pet: str  # singular noun
    pets: int  # how many, 1-12
    food: str  # plural noun
    sibling: str
    sibling_gender: str
    sibling_capital: str

    @property
    def pronouns(self) -> tuple[str, str, str]:
        """(subject, possessive, object): ("he", "his", "him") or ("she", "her", "her")."""
        return PRONOUNS[self.gender]

    @property
    def noun(self) -> str:
        return "man" if self.gender == "male" else "woman"

    @property
    def spouse_noun(self) -> str:
        return "wife" if self.gender == "male" else "husband"

    @property
    def sibling_noun(self) -> str:
        return "brother" if self.sibling_gender == "male" else "sister"

    @property
    def pets_phrase(self) -> str:
        """``a dog`` or ``three dogs``."""
        if self.pets == 1:
            return f"{article(self.pet)} {self.pet}"
        return f"{NUMBERS[self.pets - 1]} {dict(ANIMALS)[self.pet]}"


class ToyWorld:
    """A seeded writer of toy-world documents; every call continues the same random stream."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = _check_seed(seed)
        self.rng = random.Random(seed)

    # --- slots -----------------------------------------------------------------------------------

    def person(self) -> Person:
        """A new random person (the facts of one ``person`` document or QA context)."""
        r = self.rng
        gender = r.choice(["male", "female"])
        names, other_names = (MALE_NAMES, FEMALE_NAMES) if gender == "male" else (FEMALE_NAMES, MALE_NAMES)
        name, spouse = r.choice(names), r.choice(other_names)
        home, abroad = r.sample(COUNTRIES, 2)
        sibling_gender = r.choice(["male", "female"])
        sibling_names = MALE_NAMES if sibling_gender == "male" else FEMALE_NAMES
        sibling = r.choice([n for n in sibling_names if n not in (name, spouse)])
        return Person(
            name,
            gender,
            home[0],
            home[1],
            home[2],
            spouse,
            r.choice(ANIMALS)[0],
            r.randint(1, 6),
            r.choice(FOODS)[1],
            sibling,
            sibling_gender,
            abroad[1],
        )

    def subject(self, gender: str | None = None) -> tuple[str, str]:
        """A singular subject and its gender: ("the queen", "female"), ("john", "male"), ("she", ...)."""
        r = self.rng
        gender = gender or r.choice(["male", "female"])
        side = 0 if gender == "male" else 1
        choice = r.random()
        if choice < 0.5:
            return "the " + r.choice(GENDER_PAIRS)[side], gender
        if choice < 0.8:
            return r.choice(MALE_NAMES if gender == "male" else FEMALE_NAMES), gender
        return PRONOUNS[gender][0], gender

    def _noun_phrase(self, pairs: list[tuple[str, str]]) -> str:
        """ "the dogs", "a dog", "three dogs" for a random noun of ``pairs``."""
        r = self.rng
        singular, plural = r.choice(pairs)
        many = r.choice(NUMBERS[1:])
        return r.choice([f"the {plural}", f"{article(singular)} {singular}", f"{many} {plural}"])

    def complement(self, verb: str) -> str:
        """What follows ``verb`` (its frame in :data:`~nlpcourse.data.lexicon.FRAMES`, slots filled)."""
        r = self.rng
        country, capital, language = r.choice(COUNTRIES)
        return FRAMES[verb].format(
            place=r.choice(PLACES),
            capital=capital,
            country=country,
            language=language,
            food=self._noun_phrase(FOODS),
            drink=r.choice(DRINKS),
            animal=self._noun_phrase(ANIMALS),
            person=r.choice(GENDER_PAIRS)[r.randint(0, 1)],
        )

    def activity(self, subject: str | None = None, gender: str | None = None) -> str:
        """One action sentence; the tense follows its time words (``yesterday`` → past).

        Without a subject, one is drawn (a person noun, a name or a pronoun) or, one time in five, a
        plural pronoun in the present ("every day they walk slowly to the park"). With a ``gender``,
        the sentence may end "with his friend" / "with her friend".
        """
        r = self.rng
        base, past = r.choice(VERBS)
        rest = self.complement(base)
        if subject is None:
            if r.random() < 0.2:  # plural subjects take the base form in the present
                return (
                    f"{r.choice(['every day', 'often', 'usually'])} "
                    f"{r.choice(['they', 'we', 'you', 'i'])} {base} {rest}"
                )
            subject, gender = self.subject()
        if gender is not None and r.random() < 0.3:
            rest += f" with {PRONOUNS[gender][1]} {r.choice(['friend', 'family', 'children'])}"
        if r.random() < 0.5:
            return r.choice(
                [
                    f"yesterday {subject} {past} {rest}",
                    f"{subject} {past} {rest} last week",
                    f"{subject} {past} {rest} yesterday",
                ]
            )
        return r.choice(
            [
                f"tomorrow {subject} will {base} {rest}",
                f"{subject} likes to {base} {rest}",
                f"{subject} can {base} {rest}",
                f"{subject} will {base} {rest} tomorrow",
            ]
        )

    # --- documents -------------------------------------------------------------------------------

    def _person_doc(self) -> list[str]:
        p = self.person()
        he, his, _ = p.pronouns
        pets = p.pets_phrase.split()[-1]
        home, food = HABITATS[p.pet]
        return [f"{p.name} is a {p.noun} from {p.country}", f"{he} lives in {p.capital}"] + self._some(
            [
                f"{p.capital} is the capital of {p.country}",
                f"in {p.country} {he} speaks {p.language}",
                f"{his} {p.spouse_noun} is called {p.spouse}",
                f"{p.name} has {p.pets_phrase}",
                f"{his} {pets} {'is' if p.pets == 1 else 'are'} in the {home}",
                f"{he} feeds {his} {pets} {food}",
                f"{he} likes to eat {p.food}",
                f"{his} {p.sibling_noun} {p.sibling} lives in {p.sibling_capital}",
                lambda: self.activity(he, p.gender),
                lambda: self.activity(p.name, p.gender),
            ]
        )

    def _royal_doc(self) -> list[str]:
        r = self.rng
        country, capital, language = r.choice(COUNTRIES)
        ruler, consort = r.choice([("king", "queen"), ("queen", "king")])
        gender = "male" if ruler == "king" else "female"
        he, his, _ = PRONOUNS[gender]
        pair = r.choice(ROYALTY)
        royal, role = pair[r.randint(0, 1)], ROLES[pair[0]]
        return [f"the {ruler} of {country} lives in {capital}"] + self._some(
            [
                f"the {consort} of {country} lives in the palace in {capital}",
                "the king is a man",
                "the queen is a woman",
                "he is a king",
                "she is a queen",
                "the queen rules the kingdom with her husband the king",
                "the king rules the kingdom with his wife the queen",
                "the prince is the son of the king and the queen",
                "the princess is the daughter of the king and the queen",
                "one day the prince will become a king",
                "one day the princess will become a queen",
                f"the {royal} speaks {language}",
                f"{his} people speak {language}",
                f"the {royal} {role}",
                lambda: self.activity(he, gender),
                lambda: self.activity(f"the {ruler}", gender),
            ]
        )

    def _family_doc(self) -> list[str]:
        r = self.rng
        male, female = r.choice(GENDER_PAIRS)
        role = ROLES[male]

        def mood() -> str:
            return r.choice(["happy", "tired", "hungry", "busy"])

        return self._some(
            [
                "the father and the mother have a son and a daughter",
                "the son is a boy and the daughter is a girl",
                "the father is a man and the mother is a woman",
                "the boy will become a man and the girl will become a woman",
                "the son will become a father and the daughter will become a mother",
                "the uncle is the brother of the father",
                "the aunt is the sister of the mother",
                "the grandfather is the father of the father",
                "the grandmother is the mother of the mother",
                "the husband loves his wife and the wife loves her husband",
                f"the {male} {role}",
                f"the {female} {role}",
                f"the {male} {role} and he is {mood()}",
                f"the {female} {role} and she is {mood()}",
                f"the {male} said that he was {mood()}",
                f"the {female} said that she was {mood()}",
                f"the {male} lost his {r.choice(['hat', 'book', 'key'])}",
                f"the {female} lost her {r.choice(['hat', 'book', 'key'])}",
                lambda: self.activity(f"the {male}", "male"),
                lambda: self.activity(f"the {female}", "female"),
            ],
            low=3,
        )

    def _actions_doc(self) -> list[str]:
        subject, gender = self.subject()
        he = PRONOUNS[gender][0]
        rest = [self.activity(self.rng.choice([he, subject]), gender) for _ in range(self.rng.randint(2, 4))]
        return [self.activity(subject, gender)] + rest

    def _animals_doc(self) -> list[str]:
        r = self.rng
        singular, plural = r.choice(ANIMALS)
        home, food = HABITATS[singular]
        a, many = article(singular), r.choice(NUMBERS[1:])
        who = f"the {r.choice(GENDER_PAIRS)[r.randint(0, 1)]}"
        return self._some(
            [
                f"the {singular} is in the {home}",
                f"the {plural} are in the {home}",
                f"{a} {singular} ate {food}",
                f"{many} {plural} ate {food}",
                f"there is one {singular} in the {home}",
                f"there are {many} {plural} in the {home}",
                f"the {singular} will eat {food} tomorrow",
                f"the {plural} will eat {food} tomorrow",
                f"{who} fed {a} {singular} {food} yesterday",
                f"{who} fed the {plural} {food} yesterday",
                f"every day the {plural} {r.choice(['walk', 'run', 'play', 'sleep'])} near the {home}",
            ],
            low=3,
        )

    def _food_doc(self) -> list[str]:
        r = self.rng
        singular, plural = r.choice(FOODS)
        taste = FOOD_TASTES[singular]
        a, many = article(taste), r.choice(NUMBERS[1:])
        who = f"the {r.choice(GENDER_PAIRS)[r.randint(0, 1)]}"
        return self._some(
            [
                f"{who} ate {a} {taste} {singular} yesterday",
                f"{who} ate {many} {taste} {plural} yesterday",
                f"the {singular} is {taste}",
                f"the {plural} are {taste}",
                f"one {singular} is on the table",
                f"{many} {plural} are on the table",
                f"{who} bought {a} {taste} {singular}",
                f"{who} bought {many} {taste} {plural}",
                f"every day we eat {taste} {plural}",
            ],
            low=3,
        )

    def _geography_doc(self) -> list[str]:
        r = self.rng
        country, capital, language = r.choice(COUNTRIES)
        who = r.choice(MALE_NAMES + FEMALE_NAMES)
        return self._some(
            [
                f"{capital} is the capital of {country}",
                f"{capital} is a big city in {country}",
                f"people in {country} speak {language}",
                f"in {capital} people speak {language}",
                f"the {language} people live in {country}",
                f"{language} is the language of {country}",
                f"yesterday {who} went to {capital} in {country}",
                f"{who} visited {capital} last week",
                f"the king of {country} lives in {capital}",
            ],
            low=3,
        )

    def _numbers_doc(self) -> list[str]:
        r = self.rng
        out = []
        for _ in range(r.randint(3, 6)):
            a = r.randint(1, 11)
            b = r.randint(1, 12 - a)
            out.append(
                r.choice(
                    [
                        f"{NUMBERS[a - 1]} plus {NUMBERS[b - 1]} is {NUMBERS[a + b - 1]}",
                        f"{NUMBERS[a + b - 1]} minus {NUMBERS[b - 1]} is {NUMBERS[a - 1]}",
                        f"{NUMBERS[a]} comes after {NUMBERS[a - 1]}",
                        f"{NUMBERS[a - 1]} is less than {NUMBERS[a + b - 1]}",
                    ]
                )
            )
        return out

    def _some(self, options: list[str | Callable[[], str]], low: int = 2, high: int = 5) -> list[str]:
        """A random subset of ``options`` (between ``low`` and ``high`` of them), in their order."""
        r = self.rng
        picked = sorted(r.sample(range(len(options)), r.randint(low, min(high, len(options)))))
        return [o() if callable(o) else o for o in (options[i] for i in picked)]

    def document(self) -> list[list[str]]:
        """One document: a few related tokenized sentences of one kind (see :data:`KINDS`)."""
        kind = self.rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        writer = getattr(self, f"_{kind}_doc")
        return [sentence.split() for sentence in writer()]

    def documents(self, n: int) -> list[list[list[str]]]:
        """``n`` documents."""
        return [self.document() for _ in range(_check_count(n, "n"))]

    def sentences(self, n: int) -> list[list[str]]:
        """``n`` tokenized sentences: documents one after another, the last one cut at ``n``."""
        n = _check_count(n, "n")
        out: list[list[str]] = []
        while len(out) < n:
            out.extend(self.document())
        return out[:n]


def toy_world_corpus(n_sentences: int = 20_000, seed: int = 0) -> Corpus:
    """``n_sentences`` toy-world sentences as a :class:`Corpus`; ``doc_ids`` says which document."""
    n_sentences = _check_count(n_sentences, "n_sentences")
    world = ToyWorld(seed)
    sentences: list[list[str]] = []
    doc_ids: list[int] = []
    doc_id = 0
    while len(sentences) < n_sentences:
        document = world.document()
        sentences.extend(document)
        doc_ids.extend([doc_id] * len(document))
        doc_id += 1
    sentences, doc_ids = sentences[:n_sentences], doc_ids[:n_sentences]
    return Corpus(
        f"toyworld(seed={seed})", [" ".join(s) for s in sentences], sentences, doc_ids, unit="sentences"
    )
