"""What grading one submission ends in: a score, or a named reason, never nothing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum

__all__ = ["Reason", "Result", "format_table", "printable"]


class Reason(str, Enum):
    """Why a submission's grade needs a look. The first three still leave a score."""

    TIMEOUT = "timeout"  # a cell ran past the per-cell limit (its checks, and later ones if stuck, get 0)
    MEMORY = "memory limit"  # an allocation failed at the memory limit
    OUTPUT = "output limit"  # the notebook printed more than the output limit; the rest was dropped
    KERNEL_DIED = "kernel died"  # the kernel exited or was killed; cells after it got 0
    LATE = "late"  # submitted after the due date (nbgrader's late-submission plugin applies)
    CORRUPT = "corrupt notebook"  # not a readable notebook: not graded
    MISSING = "missing notebook"  # no notebook of that name in the submission: not graded
    GRADER_ERROR = "grader error"  # our side failed (e.g. the sandbox did not start): not graded
    BAD_OUTPUT = "malformed output"  # the kernel sent messages the grader cannot read; later cells got 0
    TAMPERED = "tampered notebook"  # nbgrader metadata of the cells was changed: not graded
    REJECTED = "rejected submission"  # a link, special file, unsafe archive, too large, ambiguous: not graded

    @property
    def ungraded(self) -> bool:
        return self in (Reason.CORRUPT, Reason.MISSING, Reason.GRADER_ERROR, Reason.TAMPERED, Reason.REJECTED)


@dataclass
class Result:
    """The outcome of one student's submission of one chapter."""

    student: str
    reasons: list[Reason] = field(default_factory=list)
    score: float | None = None  # after the late penalty; None when not graded in this run
    max_score: float | None = None
    late_penalty: float = 0.0
    detail: str = ""  # what happened, for the instructor (never hidden test source)
    notes: list[str] = field(default_factory=list)  # e.g. "check cell softmax_check restored"
    kept_score: float | None = None  # an earlier grade left in the gradebook when this run failed
    seconds: float = 0.0
    timestamp: str = ""
    auto_score: float | None = None  # points of the autograded check cells (before the late penalty)
    auto_max: float | None = None  # points the autograded check cells can give
    manual_score: float | None = None  # points given by hand so far (written answers)
    manual_pending: float | None = None  # points of answers still waiting for a manual grade
    flags: list[str] = field(default_factory=list)  # code touching the grading machinery: review it

    @property
    def graded(self) -> bool:
        return self.score is not None and not any(reason.ungraded for reason in self.reasons)

    @property
    def outcome(self) -> str:
        """``ok`` or the reasons joined, e.g. ``timeout, late``."""
        return ", ".join(reason.value for reason in self.reasons) or "ok"

    def to_json(self) -> dict:
        data = asdict(self)
        data["reasons"] = [reason.value for reason in self.reasons]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Result:
        data = dict(data)
        data["reasons"] = [Reason(value) for value in data.get("reasons", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def printable(text: str, limit: int = 0) -> str:
    """``text`` safe for a terminal: control characters and escape codes shown as ``\\x1b``-style escapes."""
    out = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))
    return out[:limit] + "..." if limit and len(out) > limit else out


def _score(result: Result) -> str:
    if result.score is not None:
        return f"{result.score:g} / {result.max_score:g}"
    if result.kept_score is not None:
        return f"(kept {result.kept_score:g})"
    return "-"


def _points(value: float | None, of: float | None = None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" + (f" / {of:g}" if of is not None else "")


def format_table(results: list[Result]) -> str:
    """A plain-text table: student, automatic points, manual points (given, pending), score, outcome,
    flags and detail. Everything a student chose (ids, file names) is printed escaped."""
    rows = [
        (
            printable(r.student, 40),
            _points(r.auto_score, r.auto_max),
            _points(r.manual_score),
            _points(r.manual_pending),
            _score(r),
            r.outcome,
            printable(
                "; ".join(
                    filter(None, [("REVIEW: " + ", ".join(r.flags)) if r.flags else "", r.detail, *r.notes])
                )
            ),
        )
        for r in results
    ]
    header = ("student", "auto", "manual", "pending", "score", "outcome", "detail")
    n = len(header) - 1
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(n)]
    lines = []
    for row in [header, tuple("-" * w for w in widths) + ("------",), *rows]:
        lines.append(
            "  ".join(cell.ljust(w) for cell, w in zip(row[:n], widths, strict=True)) + "  " + row[n]
        )
    return "\n".join(line.rstrip() for line in lines)
