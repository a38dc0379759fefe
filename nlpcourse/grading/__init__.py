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
"""

from nlpcourse.grading.gradebook import GradingError
from nlpcourse.grading.outcome import Reason, Result, format_table, printable
from nlpcourse.grading.runner import Options, Report, default_workers, export, grade
from nlpcourse.grading.sandbox import Limits, SandboxError, parse_size

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
