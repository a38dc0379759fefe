"""Question types of :func:`~nlpcourse.data.qa_dataset` and a keyword baseline that reads no further
than the first matching sentence.

The baseline answers from the word after a cue ("lives in" for "Where does Kate live?", "speaks" for
"What language ..."), taken in the first sentence that holds the cue. It is right whenever the context
has one sentence with that cue, and wrong on the distractors the dataset plants on purpose: a sibling
who "lives in" another city, an activity sentence that mentions another place or animal. A reader that
understands *whose* fact a sentence states is needed there.
"""

from __future__ import annotations

import re

__all__ = ["QUESTION_TYPES", "question_type", "heuristic_answer"]

#: Question type -> (pattern of the question, cue whose next word the baseline answers).
QUESTION_TYPES: dict[str, tuple[str, str]] = {
    "country": (r"^Which country is \w+ from\?$", "from"),
    "sibling's city": (r"^Where does \w+'s (brother|sister) live\?$", "lives in"),
    "home city": (r"^Where does \w+ live\?$", "lives in"),
    "language": (r"^What language does \w+ speak\?$", "speaks"),
    "spouse": (r"^What is the name of \w+'s (wife|husband)\?$", "is called"),
    "number of pets": (r"^How many \w+ does \w+ have\?$", "has"),
    "pet": (r"^What animal does \w+ have\?$", "has a"),
    "food": (r"^What does \w+ like to eat\?$", "likes to eat"),
}


def question_type(question: str) -> str:
    """The type of a ``qa_dataset`` question (a key of :data:`QUESTION_TYPES`), or ``"other"``."""
    for name, (pattern, _) in QUESTION_TYPES.items():
        if re.match(pattern, question):
            return name
    return "other"


def heuristic_answer(question: str, context: str) -> str:
    """The word after the question type's cue in the first sentence that has it ("" if none does)."""
    kind = question_type(question)
    if kind == "other":
        return ""
    cue = QUESTION_TYPES[kind][1]
    match = re.search(rf"\b{cue} (\w+)", context)
    return match.group(1) if match else ""
