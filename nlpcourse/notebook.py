"""Notebook start-up: fast mode, seeds and threads, the same in every chapter.

Every notebook's first code cell is tagged ``parameters`` and holds ``FAST`` and ``SEED``; the next
cell calls :func:`start`::

    FAST, rng = start(FAST, SEED)

Fast mode is what CI and the autograder run: it is on when the notebook asks for it (papermill
``-p FAST True``) and whenever nbgrader executes the notebook (``NBGRADER_EXECUTION`` is set during
``nbgrader validate`` and ``nbgrader autograde``), so grading never waits for full-size training.

In IPython, :func:`start` also installs :func:`short_errors`: an unanswered exercise or a failed check
shows one short line ("not answered yet", or what was expected and what came back) instead of a
traceback through the course's package. Together with the ``raises-exception`` tag that the release
puts on every answer and check cell (see ``nbgrader_config.py``), **Run All** goes on to the end of
the notebook; the cell still ends in an error, so nbgrader still scores it 0.
"""

from __future__ import annotations

import os
import random
import types
import warnings
from typing import Any

import numpy as np
import torch

from nlpcourse.i18n import tr, use_notebook_language

#: Threads used by torch in notebooks: the course is budgeted for a 2-core laptop.
DEFAULT_THREADS = 2


def fast_mode(requested: bool = False) -> bool:
    """Return True when the notebook should run its quick version.

    ``requested`` is the notebook's ``FAST`` parameter; nbgrader's execution (validate, autograde)
    and the environment variable ``NLPCOURSE_FAST=1`` switch fast mode on as well.
    """
    if requested:
        return True
    if os.environ.get("NBGRADER_EXECUTION"):
        return True
    return os.environ.get("NLPCOURSE_FAST", "").strip().lower() in {"1", "true", "yes"}


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and torch; return a NumPy generator for the notebook's own draws."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"SEED must be an int, got {type(seed).__name__} {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def start(fast: bool = False, seed: int = 0, threads: int | None = None) -> tuple[bool, np.random.Generator]:
    """Prepare a chapter: decide fast mode, seed every generator, cap torch's threads, speak the
    notebook's language (:func:`nlpcourse.i18n.use_notebook_language`).

    Returns ``(FAST, rng)``. Warnings from third-party libraries are kept out of check cells,
    because nbgrader counts any output on stderr in a graded cell as a failure.
    """
    torch.set_num_threads(threads or int(os.environ.get("NLPCOURSE_THREADS", DEFAULT_THREADS)))
    torch.use_deterministic_algorithms(True, warn_only=True)
    # Deterministic mode also fills every new tensor with NaN (to expose reads of uninitialised
    # memory): 10-15 % of a small model's training step, and nothing here reads such memory.
    torch.utils.deterministic.fill_uninitialized_memory = False
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*deterministic.*")
    short_errors()
    use_notebook_language()
    return fast_mode(fast), seed_everything(seed)


# --- short errors in notebooks -------------------------------------------------------------------

_CHECK_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check.py")
_RED, _RESET = "\x1b[0;31m", "\x1b[0m"


def _frames(tb: types.TracebackType | None) -> list[types.TracebackType]:
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    return frames


def _in_notebook(tb: types.TracebackType, namespace: dict[str, Any]) -> bool:
    """Whether a traceback entry runs code typed in the notebook (a cell or a function it defines)."""
    return tb.tb_frame.f_globals is namespace


def explain(error: BaseException, namespace: dict[str, Any]) -> str | None:
    """The one-line message a student sees for ``error``, or None to show the usual traceback.

    * a failed check (:class:`~nlpcourse.check.CheckFailed`): its message, which says what was
      expected and what came back;
    * ``raise NotImplementedError()`` left in an answer: which answer is not written yet;
    * a name that a check or a cell needs but no cell has defined yet (an answer cell not run).
    """
    from nlpcourse.check import CheckFailed

    frames = _frames(error.__traceback__)
    last = frames[-1] if frames else None
    if isinstance(error, CheckFailed):
        return str(error)
    if isinstance(error, NotImplementedError) and last is not None and _in_notebook(last, namespace):
        code = last.tb_frame.f_code
        name = getattr(code, "co_qualname", code.co_name)  # KneserNeyBigram.__init__, not __init__
        where = tr("this answer cell") if name.startswith("<") else f"{name}()"
        return tr(
            "{where} is not answered yet: replace `raise NotImplementedError()` with your code, "
            "run that cell, then run this one again",
            where=where,
        )
    if isinstance(error, NameError) and last is not None and _in_notebook(last, namespace):
        name = last.tb_frame.f_code.co_name
        if name.startswith("<"):  # a cell or a check's lambda: an answer cell has not been run
            return tr(
                "{error}: run the answer cell above (and the cells before it) first, "
                "or finish it if it still raises NotImplementedError",
                error=error,
            )
        return tr("{error} (in {name}, line {line} of its cell)", error=error, name=name, line=last.tb_lineno)
    return None


def _without_checks(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback without the frames of ``nlpcourse/check.py`` (the student's own frames stay)."""
    kept = [t for t in _frames(tb) if os.path.abspath(t.tb_frame.f_code.co_filename) != _CHECK_FILE]
    rebuilt = None
    for t in reversed(kept):
        rebuilt = types.TracebackType(rebuilt, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return rebuilt


def _handler(
    shell: Any,
    etype: type,
    value: BaseException,
    tb: types.TracebackType | None,
    tb_offset: int | None = None,
) -> list[str] | None:
    """IPython custom exception handler: short errors for exercises, the usual traceback otherwise."""
    message = explain(value, shell.user_ns)
    if message is None:
        shell.showtraceback((etype, value, _without_checks(tb)), tb_offset=tb_offset)
        return None
    stb = [f"{_RED}{etype.__name__}{_RESET}: {message}"]
    shell._showtraceback(etype, value, stb)  # an `error` output: nbgrader scores the cell 0
    return stb


def short_errors(shell: Any = None) -> bool:
    """Show exercise errors in the running IPython as one short error output; returns whether it could.

    The output stays an ``error`` (``ename`` ``CheckFailed``, ``NotImplementedError`` or ``NameError``),
    so nbgrader scores the cell 0 and tools that read notebooks see the failure. Other exceptions keep
    IPython's traceback, minus the frames of ``nlpcourse.check``. Outside IPython this does nothing.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((Exception,), _handler)
    return True
