"""Film reviews whose sentiment depends on word order: negation, intensifiers, contrast.

    ds = sentiment_dataset(sizes=(8000, 1000, 1000), seed=0)
    ds["train"][0]   # {'text': 'The plot was not very good but the acting was superb.', 'label': 1,
                     #  'construction': 'but'}
    ds["train"].features["label"].names   # ['negative', 'positive']

Grammar (one review per example)::

    review      := [opener] body "."
    opener      := "honestly," | "overall," | "i think" | "in my opinion," | "to be honest,"
    body        := clause                                   construction "simple"
                 | clause "and" clause                      construction "and"      (same polarity)
                 | clause "but" clause                      construction "but"      (opposite polarities)
                 | "although" clause "," clause             construction "although" (opposite polarities)
    clause      := aspect copula [negation] [intensifier] adjective
    copula      := "was" | "were"            (agrees with the aspect: "the plot was", "the jokes were")
    negation    := "not" | "never"           (or the contracted copula "wasn't" / "weren't")
    intensifier := "very" | "really" | "truly" | "extremely" | "incredibly"

Label rules (applied by construction, checked independently in the tests):

* a clause is positive when its adjective is in :data:`POSITIVE` and it has no negation, or its
  adjective is in :data:`NEGATIVE` and it is negated ("not bad" is positive); intensifiers never
  change the polarity ("not very good" is negative);
* ``simple`` and ``and`` reviews take the polarity of their (first) clause;
* ``but`` reviews take the polarity of the clause **after** "but"; ``although`` reviews take the
  polarity of the main clause, after the comma.

A bag-of-words model sees the same words in "the plot was dull but the acting was superb" and in "the
acting was superb but the plot was dull", and the same words in "good" and "not ... bad" reviews, so
it cannot reach the accuracy of a model that reads the order (at the default sizes a logistic
regression on word presence scores about 0.67 on the test split, one on word pairs about 0.85, the
rules 1.0). A clause is negated one time in five, intensified one time in three. Labels are balanced;
examples are unique across the splits.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from nlpcourse.data.splits import check_seed, check_sizes, draw_balanced, to_dataset_dict

__all__ = ["POSITIVE", "NEGATIVE", "ASPECTS", "INTENSIFIERS", "LABELS", "CONSTRUCTIONS", "sentiment_dataset"]

LABELS = ["negative", "positive"]
#: How often each construction is drawn (repeats are dropped, so the short "simple" reviews end up
#: rarer than this: about 39 % at the default sizes).
CONSTRUCTIONS = {"simple": 0.5, "and": 0.2, "but": 0.18, "although": 0.12}
POSITIVE = [
    "good",
    "great",
    "superb",
    "excellent",
    "wonderful",
    "brilliant",
    "moving",
    "delightful",
    "clever",
    "charming",
    "gripping",
    "beautiful",
    "funny",
    "fresh",
]
NEGATIVE = [
    "bad",
    "dull",
    "boring",
    "awful",
    "terrible",
    "weak",
    "clumsy",
    "tedious",
    "poor",
    "predictable",
    "flat",
    "lifeless",
    "silly",
    "bland",
]
#: (aspect, plural?) — plural aspects take "were".
ASPECTS = [
    ("plot", False),
    ("acting", False),
    ("story", False),
    ("music", False),
    ("ending", False),
    ("dialogue", False),
    ("script", False),
    ("direction", False),
    ("soundtrack", False),
    ("pacing", False),
    ("film", False),
    ("movie", False),
    ("characters", True),
    ("effects", True),
    ("actors", True),
    ("jokes", True),
    ("songs", True),
    ("costumes", True),
]
INTENSIFIERS = ["very", "really", "truly", "extremely", "incredibly"]
OPENERS = ["honestly,", "overall,", "i think", "in my opinion,", "to be honest,"]


def _clause(rng: random.Random, positive: bool, aspect: tuple[str, bool] | None = None) -> str:
    """A clause with the given polarity: the adjective's polarity, flipped by a negation."""
    noun, plural = aspect or rng.choice(ASPECTS)
    negated = rng.random() < 0.2
    adjective = rng.choice(POSITIVE if positive != negated else NEGATIVE)
    copula = "were" if plural else "was"
    if negated:
        copula = rng.choice([f"{copula} not", f"{copula} never", f"{copula}n't"])
    intensifier = f"{rng.choice(INTENSIFIERS)} " if rng.random() < 0.35 else ""
    return f"the {noun} {copula} {intensifier}{adjective}"


def _review(rng: random.Random, label: int) -> dict[str, Any]:
    positive = bool(label)
    construction = rng.choices(list(CONSTRUCTIONS), weights=list(CONSTRUCTIONS.values()))[0]
    first, second = rng.sample(ASPECTS, 2)
    if construction == "simple":
        body = _clause(rng, positive, first)
    elif construction == "and":
        body = f"{_clause(rng, positive, first)} and {_clause(rng, positive, second)}"
    elif construction == "but":
        body = f"{_clause(rng, not positive, first)} but {_clause(rng, positive, second)}"
    else:
        body = f"although {_clause(rng, not positive, first)}, {_clause(rng, positive, second)}"
    if rng.random() < 0.3:
        body = f"{rng.choice(OPENERS)} {body}"
    return {"text": body[0].upper() + body[1:] + ".", "label": label, "construction": construction}


def sentiment_dataset(sizes: Sequence[int] = (8000, 1000, 1000), seed: int = 0) -> Any:
    """Reviews labelled negative (0) / positive (1) by the rules in this module's docstring.

    Returns a ``datasets.DatasetDict`` (train / validation / test) with columns ``text``, ``label``
    (a ``ClassLabel``) and ``construction`` ("simple", "and", "but" or "although").
    """
    from datasets import ClassLabel, Features, Value

    sizes = check_sizes(sizes)
    rng = random.Random(check_seed(seed))
    examples = draw_balanced(_review, len(LABELS), lambda e: e["text"], sum(sizes), rng, "sentiment_dataset")
    features = Features(
        {"text": Value("string"), "label": ClassLabel(names=LABELS), "construction": Value("string")}
    )
    return to_dataset_dict(examples, sizes, features)
