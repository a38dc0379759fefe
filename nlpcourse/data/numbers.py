"""Numbers and dates written out in English and in Chinese: the source of truth of the translation task.

These converters are deliberately separate from the dataset generator
(:mod:`nlpcourse.data.translation`), which only samples values and calls them.

English (British usage, as in "three hundred and twelve"):

* 0-19 have their own words; tens are hyphenated with units: ``twenty-one``;
* hundreds: ``<digit> hundred``, followed by ``and`` before a remainder below 100:
  ``one hundred and ten``;
* thousands: ``<0-999> thousand``; a remainder below 100 is joined with ``and``
  (``one thousand and five``), otherwise with a space (``one thousand two hundred``).

Chinese (standard written numerals, 二 rather than the colloquial 两 throughout):

* digits 零一二三四五六七八九, units 十 百 千 inside a group of four digits, 万 for the group above;
* each non-zero digit is written with its unit; a run of zeros between non-zero digits is written
  as one 零, trailing zeros are not written: 101 → 一百零一, 110 → 一百一十, 1005 → 一千零五;
* a number from 10 to 19 at the very start is written without 一: 10 → 十, 12 → 十二, 100000 → 十万;
  elsewhere the 一 stays: 110 → 一百一十, 20019 → 二万零一十九;
* zeros at the end of a group are never read (10000 → 一万, 101000 → 十万一千); when the group below
  万 is non-zero but has no thousands digit, 零 joins the groups: 20019 → 二万零一十九,
  10500 → 一万零五百.

Dates: ``english_date(date(2021, 3, 5))`` → ``"March 5, 2021"``; ``chinese_date`` → ``"2021年3月5日"``
(Arabic digits, as Chinese dates are usually printed).
"""

from __future__ import annotations

import datetime

__all__ = ["MAX_NUMBER", "english_number", "chinese_number", "english_date", "chinese_date", "MONTHS"]

#: Largest number the converters accept (eight digits: up to 九千九百九十九万...).
MAX_NUMBER = 99_999_999

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_DIGITS_ZH = "零一二三四五六七八九"
_UNITS_ZH = ["", "十", "百", "千"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _check_number(n: object) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"expected an int, got {type(n).__name__} {n!r}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number {n} is out of range: the converters cover 0 to {MAX_NUMBER:,}")
    return n


def _english_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        words.append(f"{_ONES[hundreds]} hundred")
    if rest:
        if hundreds:
            words.append("and")
        if rest < 20:
            words.append(_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    return " ".join(words)


def english_number(n: int) -> str:
    """``312`` → ``"three hundred and twelve"``; ``1005`` → ``"one thousand and five"``."""
    n = _check_number(n)
    if n == 0:
        return "zero"
    words = []
    for value, name in ((1_000_000, "million"), (1000, "thousand")):
        count, n = divmod(n, value)
        if count:
            words.append(f"{_english_below_1000(count)} {name}")
    if n:
        if words and n < 100:
            words.append("and")
        words.append(_english_below_1000(n))
    return " ".join(words)


def _chinese_group(n: int) -> str:
    """A group of four digits (1-9999): each non-zero digit with its unit, one 零 per gap of zeros."""
    digits = [int(d) for d in f"{n:04d}"]  # thousands, hundreds, tens, ones
    text, pending_zero, started = "", False, False
    for position, digit in enumerate(digits):
        unit = _UNITS_ZH[3 - position]
        if digit == 0:
            pending_zero = started
            continue
        if pending_zero:
            text += "零"
        text += _DIGITS_ZH[digit] + unit
        started, pending_zero = True, False
    return text


def chinese_number(n: int) -> str:
    """``312`` → ``"三百一十二"``; ``12`` → ``"十二"``; ``20019`` → ``"二万零一十九"``."""
    n = _check_number(n)
    if n == 0:
        return "零"
    high, low = divmod(n, 10_000)
    text = ""
    if high:
        text = _chinese_group(high) + "万"
        if low and low < 1000:
            text += "零"
    if low:
        text += _chinese_group(low)
    if text.startswith("一十"):  # 10-19 (or 10-19 ten-thousands) at the start: 十, 十二, 十万
        text = text[1:]
    return text


def _check_date(day: object) -> datetime.date:
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__} {day!r}")
    return day


def english_date(day: datetime.date) -> str:
    """``date(2021, 3, 5)`` → ``"March 5, 2021"``."""
    day = _check_date(day)
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def chinese_date(day: datetime.date) -> str:
    """``date(2021, 3, 5)`` → ``"2021年3月5日"``."""
    day = _check_date(day)
    return f"{day.year}年{day.month}月{day.day}日"
