"""English → Chinese translation of numbers and dates.

    ds = translation_dataset(sizes=(20000, 2000, 2000), seed=0)
    ds["train"][0]
    # {'en': 'three hundred and twelve', 'zh': '三百一十二', 'kind': 'number', 'value': '312'}
    # {'en': 'March 5, 2021', 'zh': '2021年3月5日', 'kind': 'date', 'value': '2021-03-05'}

The generator only samples values; the text on both sides comes from the converters of
:mod:`nlpcourse.data.numbers` (``english_number`` / ``chinese_number``, ``english_date`` /
``chinese_date``), whose rules are documented and tested there. ``value`` keeps the sampled value, so
every pair can be checked against the converters again.

Sampling: ``round(date_fraction * total)`` of the examples are dates (a uniform year in ``years``,
month and valid day); the others are numbers from 0 to ``max_number`` whose number of digits is drawn
uniformly, so that small numbers are seen often (all of 0-99 are in the data at the default sizes).
Source sentences are unique across the three splits, so the test split measures translation of unseen
numbers and dates.
"""

from __future__ import annotations

import calendar
import datetime
import random
from collections.abc import Sequence
from typing import Any

from nlpcourse.data.numbers import MAX_NUMBER, chinese_date, chinese_number, english_date, english_number
from nlpcourse.data.splits import check_seed, check_sizes, draw_unique, to_dataset_dict

__all__ = ["translation_dataset", "translation_pair"]


def translation_pair(value: int | datetime.date) -> dict[str, str]:
    """The example for one number or date: ``{"en", "zh", "kind", "value"}``."""
    if isinstance(value, datetime.date):
        return {
            "en": english_date(value),
            "zh": chinese_date(value),
            "kind": "date",
            "value": value.isoformat(),
        }
    return {"en": english_number(value), "zh": chinese_number(value), "kind": "number", "value": str(value)}


def _draw_date(rng: random.Random, years: tuple[int, int]) -> dict[str, str]:
    year, month = rng.randint(*years), rng.randint(1, 12)
    return translation_pair(datetime.date(year, month, rng.randint(1, calendar.monthrange(year, month)[1])))


def _draw_number(rng: random.Random, max_number: int) -> dict[str, str]:
    digits = rng.randint(1, len(str(max_number)))
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return translation_pair(rng.randint(low, min(10**digits - 1, max_number)))


def translation_dataset(
    sizes: Sequence[int] = (20000, 2000, 2000),
    seed: int = 0,
    max_number: int = 99_999,
    date_fraction: float = 0.25,
    years: tuple[int, int] = (1900, 2099),
) -> Any:
    """English numbers and dates with their Chinese translations.

    Returns a ``datasets.DatasetDict`` (train / validation / test) with string columns ``en``,
    ``zh``, ``kind`` ("number" or "date") and ``value`` (the number, or the date as YYYY-MM-DD).
    """
    from datasets import Features, Value

    sizes = check_sizes(sizes)
    rng = random.Random(check_seed(seed))
    if not isinstance(max_number, int) or isinstance(max_number, bool) or not 1 <= max_number <= MAX_NUMBER:
        raise ValueError(f"max_number must be an int from 1 to {MAX_NUMBER:,}, got {max_number!r}")
    if not isinstance(date_fraction, int | float) or not 0 <= date_fraction <= 1:
        raise ValueError(f"date_fraction must be a number from 0 to 1, got {date_fraction!r}")
    if len(years) != 2 or not 1 <= years[0] <= years[1] <= 9999:
        raise ValueError(f"years must be (first, last) with 1 <= first <= last <= 9999, got {years!r}")
    n_dates = round(date_fraction * sum(sizes))
    examples = draw_unique(
        lambda r: _draw_number(r, max_number),
        lambda e: e["en"],
        sum(sizes) - n_dates,
        rng,
        "translation_dataset (numbers)",
    )
    if n_dates:
        examples += draw_unique(
            lambda r: _draw_date(r, tuple(years)),
            lambda e: e["en"],
            n_dates,
            rng,
            "translation_dataset (dates)",
        )
    rng.shuffle(examples)
    features = Features({name: Value("string") for name in ("en", "zh", "kind", "value")})
    return to_dataset_dict(examples, sizes, features)
