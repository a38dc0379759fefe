"""News headlines in four topics: world, sports, business, science.

    ds = topic_dataset(sizes=(8000, 1000, 1000), seed=0)
    ds["train"][0]   # {'text': 'Shares of Vantro rose 12 percent after record profits.', 'label': 2}
    ds["train"].features["label"].names   # ['world', 'sports', 'business', 'science']

Grammar: each topic has its own headline templates (:data:`TEMPLATES`) whose slots are filled from
word lists (countries and capitals of the toy world, invented teams, companies and people, numbers);
a headline is one template, sometimes followed by a second sentence from the same topic. The label is
the topic of the templates, so labels are correct by construction. Some words are shared between
topics on purpose ("record", "team", "leaders", "deal", "win", "report"), so that single words do not
always decide. Labels are balanced; examples are unique across the splits.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from nlpcourse.data.lexicon import COUNTRIES
from nlpcourse.data.splits import check_seed, check_sizes, draw_balanced, to_dataset_dict

__all__ = ["TOPICS", "TEMPLATES", "topic_dataset"]

TOPICS = ["world", "sports", "business", "science"]

TEMPLATES = {
    "world": [
        "The president of {country} met leaders from {country2} in {capital}.",
        "Elections in {country} end with a narrow win for the opposition.",
        "Talks between {country} and {country2} on a trade deal resume in {capital}.",
        "The prime minister of {country} visits {capital2} to discuss the border.",
        "Thousands protest in {capital} against the new government.",
        "{country} and {country2} sign a peace treaty after {n} years of conflict.",
        "The United Nations sends aid to {country} after floods in {capital}.",
        "Foreign ministers meet in {capital} as tensions with {country2} rise.",
        "The parliament of {country} votes on a new constitution.",
        "A report on human rights in {country} angers leaders in {capital}.",
    ],
    "sports": [
        "{team} beat {team2} {score} in the cup final.",
        "{player} scored twice as {team} won at home.",
        "{team} sign striker {player} for a record fee.",
        "The coach of {team} says the team can still win the league.",
        "{player} wins the marathon in {capital} in record time.",
        "{team} lose {score} to {team2} and drop to {ordinal} place.",
        "{country} reach the world cup semi-final after beating {country2}.",
        "{player} retires from tennis after {n} seasons.",
        "A late goal gives {team} a draw against {team2}.",
        "Injured captain {player} will miss the match against {team2}.",
    ],
    "business": [
        "Shares of {company} rose {n} percent after record profits.",
        "{company} agrees a deal to buy {company2} for {n} billion dollars.",
        "The central bank of {country} raises interest rates to fight inflation.",
        "Oil prices fall {n} percent as demand in {country} weakens.",
        "{company} reports a loss and cuts {n} hundred jobs.",
        "Investors sell {company} stock after a weak quarterly report.",
        "The chief executive of {company} steps down after {n} years.",
        "Exports from {country} grow for the {ordinal} month in a row.",
        "{company} opens a new factory in {capital}.",
        "Markets in {capital} close higher as leaders agree on a budget.",
    ],
    "science": [
        "Scientists discover a new species of frog in the forests of {country}.",
        "Researchers find signs of water on {planet}.",
        "A new telescope in {country} captures images of a galaxy {n} million light years away.",
        "Physicists in {capital} set a record for the coldest temperature.",
        "A study of {n} thousand patients links sleep to memory.",
        "Astronomers detect a comet passing close to {planet}.",
        "A team of biologists sequences the genome of the {animal}.",
        "Engineers test a battery that charges in {n} minutes.",
        "Climate researchers in {capital} report the warmest year on record.",
        "A probe launched from {country} lands on {planet}.",
    ],
}
TEAMS = [
    "Rovers",
    "United",
    "City",
    "Athletic",
    "Wanderers",
    "Rangers",
    "Albion",
    "Harriers",
    "Lions",
    "Falcons",
]
COMPANIES = [
    "Vantro",
    "Norlex",
    "Quillon",
    "Brightwave",
    "Solenta",
    "Maradyne",
    "Orbix",
    "Tellaro",
    "Kestrel Foods",
    "Polaris Bank",
]
PLAYERS = [
    "Silva",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Rossi",
    "Novak",
    "Fischer",
    "Costa",
    "Kowalski",
    "Haddad",
    "Petrov",
]
PLANETS = ["Mars", "Venus", "Jupiter", "Saturn", "Mercury", "the Moon"]
ANIMALS = ["octopus", "honeybee", "wolf", "tomato frog", "axolotl", "sea turtle"]
ORDINALS = ["second", "third", "fourth", "fifth", "sixth"]


def _headline(rng: random.Random, template: str) -> str:
    (c1, k1, _), (c2, k2, _) = rng.sample(COUNTRIES, 2)
    team, team2 = rng.sample(TEAMS, 2)
    company, company2 = rng.sample(COMPANIES, 2)
    return template.format(
        country=c1.title(),
        country2=c2.title(),
        capital=k1.title(),
        capital2=k2.title(),
        team=team,
        team2=team2,
        company=company,
        company2=company2,
        player=rng.choice(PLAYERS),
        planet=rng.choice(PLANETS),
        animal=rng.choice(ANIMALS),
        ordinal=rng.choice(ORDINALS),
        n=rng.randint(2, 40),
        score=_score(rng),
    )


def _score(rng: random.Random) -> str:
    """A winning score, winner first: "3-1"."""
    goals = rng.randint(1, 5)
    return f"{goals}-{rng.randint(0, goals - 1)}"


def _example(rng: random.Random, label: int) -> dict[str, Any]:
    """One or two headlines (from different templates) of topic ``label``."""
    templates = rng.sample(TEMPLATES[TOPICS[label]], 2)
    text = _headline(rng, templates[0])
    if rng.random() < 0.4:
        text += " " + _headline(rng, templates[1])
    return {"text": text, "label": label}


def topic_dataset(sizes: Sequence[int] = (8000, 1000, 1000), seed: int = 0) -> Any:
    """Headlines labelled with their topic: 0 world, 1 sports, 2 business, 3 science.

    Returns a ``datasets.DatasetDict`` (train / validation / test) with columns ``text`` and
    ``label`` (a ``ClassLabel``).
    """
    from datasets import ClassLabel, Features, Value

    sizes = check_sizes(sizes)
    rng = random.Random(check_seed(seed))
    examples = draw_balanced(_example, len(TOPICS), lambda e: e["text"], sum(sizes), rng, "topic_dataset")
    features = Features({"text": Value("string"), "label": ClassLabel(names=TOPICS)})
    return to_dataset_dict(examples, sizes, features)
