"""Grading a class safely: ``nlpcourse grade CHAPTER SUBMISSIONS``.

Built on nbgrader's gradebook and preprocessors; what it adds is where and how student code runs:

* :mod:`~nlpcourse.grading.collect` finds each student's notebook in a folder or an LMS zip;
* :mod:`~nlpcourse.grading.gradebook` runs nbgrader's preprocessors before and after the kernel, in
  the grading process, which alone opens the gradebook;
* :mod:`~nlpcourse.grading.sandbox` builds the kernel's sandbox (bubblewrap, setpriv, prlimit);
* :mod:`~nlpcourse.grading.execute` runs one notebook in a sandboxed kernel, in a worker process;
* :mod:`~nlpcourse.grading.integrity` decides the checks from plain data, outside the kernel;
* :mod:`~nlpcourse.grading.feedback` renders per-student HTML feedback without hidden test source;
* :mod:`~nlpcourse.grading.runner` ties them together in parallel, with a result for everyone.

The names below are imported on first use, so that a grading worker, which imports only
:mod:`~nlpcourse.grading.execute`, does not pay for the grader's imports (the gradebook, nbconvert,
torch).
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

# jsonschema (under nbformat) imports rfc3987_syntax when it is installed, which compiles a Lark
# grammar at import: 2 s of CPU in the grader and in every worker. Only format checks of IRIs use
# it, and nothing here validates with formats (nbformat does not), so the grader does without.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from nlpcourse.grading.gradebook import GradingError
    from nlpcourse.grading.outcome import Reason, Result, format_table, printable
    from nlpcourse.grading.runner import Options, Report, default_workers, export, grade
    from nlpcourse.grading.sandbox import Limits, SandboxError, parse_size

_WHERE = {
    "GradingError": "gradebook",
    "Reason": "outcome",
    "Result": "outcome",
    "format_table": "outcome",
    "printable": "outcome",
    "Options": "runner",
    "Report": "runner",
    "default_workers": "runner",
    "export": "runner",
    "grade": "runner",
    "Limits": "sandbox",
    "SandboxError": "sandbox",
    "parse_size": "sandbox",
}

__all__ = [
    "GradingError",
    "Limits",
    "Options",
    "Reason",
    "Report",
    "Result",
    "SandboxError",
    "default_workers",
    "export",
    "format_table",
    "grade",
    "parse_size",
    "printable",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
