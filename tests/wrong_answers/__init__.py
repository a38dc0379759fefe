"""Plausible wrong answers for every exercise: each must make its check cell fail with words.

One module per chapter (``chNN.py``) defines ``CHAPTER``, ``WRONG``: solution cell ``grade_id`` ->
list of replacement cell sources, and ``VISIBLE``: ``grade_id`` -> indices into ``WRONG[grade_id]``
of the wrong answers that the check cell's *visible* checks alone must reject (the common mistakes
a student should see before grading). Each entry is a mistake a student could really make (wrong
dtype, missing scale, wrong axis, transposed result, an unstable formula, an inverted mask, an
answer that calls the course's own implementation), not noise.
"""

import importlib
import pkgutil

WRONG_ANSWERS: dict[str, dict[str, list[str]]] = {}
#: chapter -> grade_id -> indices into WRONG_ANSWERS[chapter][grade_id]; None where a module lacks it
VISIBLE_ANSWERS: dict[str, dict[str, list[int]] | None] = {}
for _info in pkgutil.iter_modules(__path__):
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    WRONG_ANSWERS[_module.CHAPTER] = _module.WRONG
    VISIBLE_ANSWERS[_module.CHAPTER] = getattr(_module, "VISIBLE", None)
