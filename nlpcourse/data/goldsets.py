"""Gold evaluation sets of the toy world: analogies by relation and word similarities.

Both are built from the word lists of :mod:`nlpcourse.data.lexicon`, the same lists the toy world's
grammar (:mod:`nlpcourse.data.toyworld`) writes its sentences with, so every word occurs in a toy-world
corpus of a few thousand sentences. Nothing here is random at call time: the lists never change.
"""

from __future__ import annotations

import random
from itertools import combinations, permutations

from nlpcourse.data.lexicon import (
    ANIMALS,
    COUNTRIES,
    FAMILY,
    FOODS,
    GENDER_PAIRS,
    NUMBERS,
    PEOPLE,
    ROYALTY,
    VERB_CLASSES,
    VERBS,
)

__all__ = ["analogies", "similarities"]


def analogies() -> dict[str, list[tuple[str, str, str, str]]]:
    """Gold analogies ``(a, b, c, d)``, read "a is to b as c is to d", grouped by relation.

    ``gender`` (man, woman, king, queen), ``capital`` (paris, france, tokyo, japan), ``nationality``
    (france, french, japan, japanese), ``plural`` (dog, dogs, cat, cats), ``past_tense``
    (walk, walked, go, went): every ordered pair of two different pairs of the relation.
    """
    relations = {
        "gender": GENDER_PAIRS,
        "capital": [(capital, country) for country, capital, _ in COUNTRIES],
        "nationality": [(country, language) for country, _, language in COUNTRIES],
        "plural": ANIMALS + FOODS,
        "past_tense": VERBS,
    }
    return {
        name: [(a, b, c, d) for (a, b), (c, d) in permutations(pairs, 2)] for name, pairs in relations.items()
    }


def similarities() -> list[tuple[str, str, float]]:
    """Word pairs with a gold similarity in [0, 1], from the structure of the world.

    * 0.9 the same word inflected: (dog, dogs), (walk, walked);
    * 0.8 gender counterparts: (king, queen), (father, mother);
    * 0.7 two members of the same fine class: two animals, two foods, two countries, two capitals, two
      languages, two numbers, two verbs of the same class (walk, run), two royal / two family / two
      general person nouns of the same gender (king, prince);
    * 0.5 linked by a fact of the world: a capital and its country (paris, france), a country and its
      language (france, french);
    * 0.3 the same broad class otherwise: (paris, japan), (king, father), (walk, eat);
    * 0.1 different broad classes: (dog, paris), (apple, king), (three, walk).

    Pairs are chosen from each case with a fixed generator, so the list never changes.
    """
    r = random.Random(1234)
    pairs: dict[tuple[str, str], float] = {}

    def add(candidates: list[tuple[str, str]], score: float, k: int) -> None:
        candidates = sorted(set(candidates) - set(pairs))
        for pair in r.sample(candidates, min(k, len(candidates))):
            pairs[pair] = score

    nouns = ANIMALS + FOODS
    add([(a, b) for a, b in nouns] + [(a, b) for a, b in VERBS if a != b], 0.9, 20)
    add(list(GENDER_PAIRS), 0.8, 10)
    same_class = []
    for group in (
        [a for a, _ in ANIMALS],
        [f for f, _ in FOODS],
        [c[0] for c in COUNTRIES],
        [c[1] for c in COUNTRIES],
        [c[2] for c in COUNTRIES],
        NUMBERS,
        *VERB_CLASSES.values(),
    ):
        same_class += list(combinations(group, 2))
    for people in (ROYALTY, FAMILY, PEOPLE):
        for side in (0, 1):
            same_class += list(combinations([pair[side] for pair in people], 2))
    add(same_class, 0.7, 50)
    add(
        [(capital, country) for country, capital, _ in COUNTRIES]
        + [(country, language) for country, _, language in COUNTRIES],
        0.5,
        20,
    )
    broad = {
        "people": [w for pair in GENDER_PAIRS for w in pair],
        "geography": [w for c in COUNTRIES for w in c],
        "animals": [a for a, _ in ANIMALS],
        "foods": [f for f, _ in FOODS],
        "verbs": [v for v, _ in VERBS],
        "numbers": NUMBERS,
    }
    add([p for words in broad.values() for p in combinations(words, 2)], 0.3, 30)
    groups = list(broad.values())
    across = [(a, b) for i, j in combinations(range(len(groups)), 2) for a in groups[i] for b in groups[j]]
    add(across, 0.1, 30)
    return [(a, b, score) for (a, b), score in pairs.items()]
