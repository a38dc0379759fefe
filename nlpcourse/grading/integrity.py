"""Score integrity: the checks are decided in the grader, from plain data, never in the student's kernel.

A student's code runs in the same Python process as the check cells, so it can replace anything
there: the check functions, ``sys.modules``, IPython's input and AST transformers, the exception
handler, ``torch.isclose``, or hand the checks a tensor subclass. Whatever the kernel concludes is
therefore not trusted. Instead:

1. the grader removes the expected values from every check call before the cell goes to the
   student's kernel (:func:`strip_expected`: they become ``...``), so they never exist there;
2. in grading mode each check sends what it was given, as plain data (exact base types only, see
   :mod:`nlpcourse.check`), the moment it is called: a record;
3. the instructor's solution notebook runs once per grading run, unmodified, in the same sandbox;
   its records hold the expected values and tolerances (the golden records);
4. a check cell keeps its points only if it ran without error *and* its records match the golden
   ones check by check (:func:`verdict`, which calls the check functions of :mod:`nlpcourse.check`
   here, in the grader, on the decoded plain data); otherwise the grader adds the failure to the
   cell's outputs and nbgrader scores it 0.

A patched check, a fake module, transformers that skip or wrap cells, a custom exception handler
or a later patch all leave records missing or wrong, hence 0. What the grader cannot know is
documented in the README (e.g. ``check_true``/``check_raises`` conditions are computed in the
kernel). :func:`suspicious` flags, for the instructor to read, code that touches the grading
machinery.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from nlpcourse.i18n import tr

__all__ = ["CHECKS", "strip_expected", "verdict", "suspicious"]

#: Check functions -> (positional index, keyword) of the arguments holding expected values.
CHECKS: dict[str, list[tuple[int, str]]] = {
    "check_tensor": [(2, "expected")],
    "check_scalar": [(2, "expected")],
    "check_equal": [(2, "expected")],
    "check_at_least": [(2, "minimum")],
    "check_accuracy": [(2, "labels"), (3, "minimum")],
}


def _called(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def strip_expected(source: str) -> str:
    """``source`` with every expected-value argument of a check call replaced by ``...``.

    The replacement is textual (comments and hidden-test delimiters stay where they are); a cell
    that does not parse is returned unchanged (it fails in the kernel as it would anyway).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    spans: list[tuple[int, int, int, int]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _called(node) not in CHECKS:
            continue
        for index, keyword in CHECKS[_called(node)]:
            arg = None
            if len(node.args) > index and not any(isinstance(a, ast.Starred) for a in node.args[: index + 1]):
                arg = node.args[index]
            for kw in node.keywords:
                if kw.arg == keyword:
                    arg = kw.value
            if arg is not None:
                spans.append((arg.lineno, arg.col_offset, arg.end_lineno, arg.end_col_offset))
    if not spans:
        return source
    lines = [line.encode() for line in source.splitlines(keepends=True)]
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    data = b"".join(lines)
    # outermost spans only (a check call inside an expected value disappears with it)
    flat = sorted((offsets[a - 1] + b, offsets[c - 1] + d) for a, b, c, d in spans)
    merged: list[tuple[int, int]] = []
    for start, end in flat:
        if merged and start < merged[-1][1]:
            continue
        merged.append((start, end))
    for start, end in reversed(merged):
        data = data[:start] + b"..." + data[end:]
    return data.decode()


def _message(error: BaseException) -> str:
    return str(error).split("\n  hint:")[0]


def _compare(golden: dict[str, Any], got_record: dict[str, Any]) -> str | None:
    """None when the student's record passes the golden check, else what was wrong."""
    from nlpcourse import check as checks  # imports torch: not before a check is decided

    kind, name = golden["kind"], golden["name"]
    got = checks.decode(got_record.get("got", {}))
    if isinstance(got, checks.Opaque) and kind in ("tensor", "scalar", "equal", "at_least", "accuracy"):
        return (
            f"{name}: got {got!r}, which the grader does not compare: return plain tensors, numbers or lists"
        )
    params = golden.get("params", {})
    try:
        if kind == "tensor":
            checks.check_tensor(
                name,
                got,
                checks.decode(golden["expected"]),
                atol=params.get("atol", 1e-5),
                rtol=params.get("rtol", 1e-4),
                check_dtype=params.get("check_dtype", True),
            )
        elif kind == "scalar":
            checks.check_scalar(
                name,
                got,
                checks.decode(golden["expected"]),
                atol=params.get("atol", 1e-6),
                rtol=params.get("rtol", 1e-6),
            )
        elif kind == "equal":
            checks.check_equal(name, got, checks.decode(golden["expected"]))
        elif kind == "at_least":
            checks.check_at_least(name, got, checks.decode(golden["expected"]))
        elif kind == "accuracy":
            expected = golden["expected"]
            checks.check_accuracy(
                name, got, checks.decode(expected["labels"]), checks.decode(expected["minimum"])
            )
        elif kind == "true":
            if got is not True:
                message = str(got_record.get("params", {}).get("message", "")) or "the condition is false"
                return f"{tr(name)}: {tr(message)}"
        elif kind == "raises":
            wanted = checks.decode(golden["expected"])
            if not isinstance(got, list) or wanted not in got:
                detail = str(got_record.get("params", {}).get("detail", ""))[:300]
                return f"{name}: expected {wanted.rsplit('.', 1)[-1]}, {detail or 'nothing was raised'}"
        elif kind == "own_work":
            if got is not None:
                return f"{tr(name)}: " + tr(
                    "your answer calls the course's own implementation {reference}: "
                    "the exercise is to write it yourself (you may use torch and "
                    "numpy)",
                    reference=got,
                )
        else:
            return f"{name}: unknown check {kind!r}"
    except checks.CheckFailed as failure:
        return _message(failure)
    except Exception as error:  # noqa: BLE001 - malformed records: the check fails
        return f"{name}: the recorded answer could not be compared ({type(error).__name__})"
    return None


def verdict(golden: list[dict[str, Any]], got: list[dict[str, Any]]) -> str | None:
    """None when the records of one check cell match the golden ones check by check, else why not.

    The number of checks and their kinds, in order, must be those of the solution's run: a check
    that did not run, ran twice or was replaced is a failure.
    """
    for index, want in enumerate(golden):
        if index >= len(got):
            return tr(
                "check {name!r} did not report to the grader (the cell stopped early, or its checks "
                "were changed or skipped)",
                name=tr(want["name"]),
            )
        record = got[index]
        # names may hold the student's data (f-strings): the kind and the order identify a check
        if not isinstance(record, dict) or record.get("kind") != want["kind"]:
            name = record.get("name") if isinstance(record, dict) else "?"
            return f"check {want['name']!r} expected next, the grader received {str(name)[:80]!r}"
        problem = _compare(want, record)
        if problem:
            return problem
    if len(got) > len(golden):
        return f"{len(got) - len(golden)} more check(s) reported than the cell holds: its checks were changed"
    return None


# --- static review of the student's code -------------------------------------------------------------

#: Attribute and name uses that reach into the grading machinery (for the instructor to review).
SUSPICIOUS_NAMES = {
    "input_transformers_cleanup": "input transformers",
    "input_transformers_post": "input transformers",
    "input_transformer_manager": "input transformers",
    "ast_transformers": "AST transformers",
    "set_custom_exc": "set_custom_exc",
    "CustomTB": "set_custom_exc",
    "_getframe": "frames",
    "f_back": "frames",
    "f_locals": "frames",
    "f_globals": "frames",
    "currentframe": "frames",
    "getouterframes": "frames",
    "__torch_function__": "tensor subclass hooks",
    "ExecutionResult": "IPython's execution result",
    "events": "IPython events",
    "run_cell": "IPython's run_cell",
    "showtraceback": "IPython's traceback display",
    "excepthook": "sys.excepthook",
    "settrace": "tracing",
    "setprofile": "tracing",
    "__del__": "finalizers",
    "publish_display_data": "the grader's record channel",
    "RECORD_MIME": "the grader's record channel",
}
#: Modules whose import is flagged.
SUSPICIOUS_MODULES = {
    "gc": "gc",
    "ctypes": "ctypes",
    "inspect": "frames",
    "nlpcourse.check": "nlpcourse.check",
    "importlib": "importlib",
    "builtins": "builtins",
    "IPython.core": "IPython internals",
    "traceback": "tracebacks",
    "threading": "threads",
    "_thread": "threads",
    "atexit": "atexit",
    "sys": None,
}
_CHECK_NAMES = set(CHECKS) | {"check_true", "check_raises", "check_own_work", "passed", "CheckFailed"}


def _python(source: str) -> str:
    """IPython cell source (magics, ``!``) as plain Python."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - unparsable: the caller falls back to a text search
        return source


def suspicious(sources: list[str]) -> list[str]:
    """What in the student's cells touches the grading machinery, e.g. ``["sys.modules", "frames"]``.

    A static reading of the code (the grader never runs it for this): a flag is a reason to look,
    not proof of cheating; code that hides what it does (``exec`` of built strings) is flagged as such.
    """
    found: set[str] = set()
    for source in sources:
        code = _python(source)
        try:
            tree = ast.parse(code)
        except SyntaxError:
            for word, label in SUSPICIOUS_NAMES.items():
                if re.search(rf"\b{re.escape(word)}\b", code):
                    found.add(label)
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "modules"
                and ast.unparse(node.value) == "sys"
            ):
                found.add("sys.modules")
            elif isinstance(node, ast.Attribute) and node.attr in SUSPICIOUS_NAMES:
                found.add(SUSPICIOUS_NAMES[node.attr])
            elif isinstance(node, ast.Name) and node.id in SUSPICIOUS_NAMES:
                found.add(SUSPICIOUS_NAMES[node.id])
            elif isinstance(node, ast.FunctionDef) and node.name == "__del__":
                found.add("finalizers")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                for module in names:
                    for prefix, label in SUSPICIOUS_MODULES.items():
                        if label and (module == prefix or module.startswith(prefix + ".")):
                            found.add(label)
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nlpcourse.check"):
                    found.add("nlpcourse.check")
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
                targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
                for target in targets:
                    text = ast.unparse(target)
                    if isinstance(target, ast.Attribute) and text.split(".")[0] in (
                        "torch",
                        "np",
                        "numpy",
                        "nlpcourse",
                        "math",
                    ):
                        found.add(f"patches {text}")
                    if isinstance(target, ast.Name) and target.id in _CHECK_NAMES:
                        found.add(f"redefines {target.id}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("run_line_magic", "run_cell_magic")
            ):
                # the code a magic runs (%time, %%capture ...) is a string argument: read it too
                inner = [
                    a.value for a in node.args[1:] if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
                found.update(suspicious(inner))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in ("setattr", "delattr") and node.args:
                    found.add(f"{node.func.id} on {ast.unparse(node.args[0])[:40]}")
                elif node.func.id in ("exec", "eval", "compile", "__import__"):
                    found.add(f"{node.func.id}()")
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in _CHECK_NAMES:
                found.add(f"redefines {node.name}")
    return sorted(found)
