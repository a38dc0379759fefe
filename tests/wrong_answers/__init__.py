"""Plausible wrong answers for every exercise: each must make its check cell fail with words.

One module per chapter (``chNN.py``) defines ``CHAPTER`` and ``WRONG``: solution cell ``grade_id`` ->
list of replacement cell sources. Each entry is a mistake a student could really make (wrong dtype,
missing scale, wrong axis, transposed result, an unstable formula, an inverted mask), not noise.
"""

import importlib
import pkgutil

WRONG_ANSWERS: dict[str, dict[str, list[str]]] = {}
for _info in pkgutil.iter_modules(__path__):
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    WRONG_ANSWERS[_module.CHAPTER] = _module.WRONG
