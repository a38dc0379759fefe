"""Exercise checks that say what was expected and what came back.

Test cells in the notebooks call these functions instead of bare ``assert``: a failed check raises
:class:`CheckFailed` (an ``AssertionError``, so nbgrader scores it as a failure) whose message names
the exercise, the expected type/shape/dtype/value and what the student's code returned. Values are
compared only after the type is verified and tensors are stripped of any subclass, so an object
cannot pass by claiming to be equal to the answer.

When ``nlpcourse grade`` runs a notebook (``NLPCOURSE_RECORD=1`` in the kernel), every check also
*records* what it was given as plain data (numbers, strings, lists, raw tensor bytes; exact types
only) and sends the record at once to the grader, which compares it, outside the student's kernel,
with the record of the instructor's solution (:mod:`nlpcourse.grading.integrity`). The grader then
removes the expected values from the check cells it sends to the kernel (they arrive here as
``...``): what the kernel decides is never trusted, only the records.
"""

from __future__ import annotations

import base64
import inspect
import json
import math
import os
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nlpcourse.i18n import current_notebook, tr

__all__ = [
    "CheckFailed",
    "check_tensor",
    "check_scalar",
    "check_equal",
    "check_true",
    "check_raises",
    "check_at_least",
    "check_accuracy",
    "check_own_work",
    "passed",
    "check",
]


class CheckFailed(AssertionError):
    """A check found a wrong answer; the message says what was expected and what came back."""


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return tr("a tensor of shape {shape} and dtype {dtype}", shape=tuple(value.shape), dtype=value.dtype)
    if isinstance(value, np.ndarray):
        return tr("a NumPy array of shape {shape} and dtype {dtype}", shape=value.shape, dtype=value.dtype)
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(value).__name__} {text}"


# --- grading: records sent to the grader ----------------------------------------------------------

#: MIME type of a check record in a display_data message (intercepted by the grader, never shown).
RECORD_MIME = "application/vnd.nlpcourse.check-record+json"
_RECORDING = os.environ.get("NLPCOURSE_RECORD") == "1"
_MAX_ITEMS = 2_000_000  # elements of one recorded value; more is recorded as "too large"


def _encode(value: Any, depth: int = 0) -> dict[str, Any]:
    """``value`` as JSON-able plain data; exact base types only (a subclass is recorded as opaque)."""
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool:
        return {"t": "bool", "v": value}
    if kind is int:
        return {"t": "int", "v": str(value)}
    if kind is float:
        return {"t": "float", "v": repr(value)}
    if kind is str:
        return {"t": "str", "v": value[:_MAX_ITEMS]}
    if kind is bytes:
        return {"t": "bytes", "v": base64.b64encode(value[:_MAX_ITEMS]).decode()}
    if kind in (torch.Tensor, torch.nn.Parameter):
        tensor = torch.Tensor.detach(value)
        if tensor.numel() > _MAX_ITEMS:
            return {
                "t": "opaque",
                "type": "tensor",
                "repr": f"a tensor of {tensor.numel()} elements (too large)",
            }
        dtype = str(tensor.dtype)
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        array = tensor.cpu().contiguous().numpy()
        return {
            "t": "tensor",
            "dtype": dtype,
            "np": array.dtype.str,
            "shape": list(array.shape),
            "v": base64.b64encode(array.tobytes()).decode(),
        }
    if kind is np.ndarray and value.dtype.kind in "biufc" and value.size <= _MAX_ITEMS:
        array = np.ascontiguousarray(value)
        return {
            "t": "ndarray",
            "np": array.dtype.str,
            "shape": list(array.shape),
            "v": base64.b64encode(array.tobytes()).decode(),
        }
    if isinstance(value, np.generic) and kind.__module__ == "numpy" and value.dtype.kind in "biuf":
        return {"t": "npscalar", "np": value.dtype.str, "v": repr(value.item())}
    if kind in (list, tuple) and depth < 50 and len(value) <= _MAX_ITEMS:
        return {"t": kind.__name__, "v": [_encode(item, depth + 1) for item in value]}
    if kind is dict and depth < 50 and len(value) <= _MAX_ITEMS:
        return {"t": "dict", "v": [[_encode(k, depth + 1), _encode(v, depth + 1)] for k, v in value.items()]}
    try:
        text = object.__repr__(value) if isinstance(value, torch.Tensor) else repr(value)
    except Exception:  # noqa: BLE001 - a student's object may fail to print itself
        text = "?"
    return {"t": "opaque", "type": f"{kind.__module__}.{kind.__qualname__}", "repr": str(text)[:200]}


class Opaque:
    """A recorded value of a type the grader does not compare (a subclass, a model, ...)."""

    def __init__(self, type_name: str, text: str) -> None:
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"{self.type_name} {self.text}"


def decode(data: dict[str, Any]) -> Any:
    """The plain value of an encoded record (the inverse of the kernel's encoding)."""
    kind = data.get("t")
    if kind == "none":
        return None
    if kind == "bool":
        return bool(data["v"])
    if kind == "int":
        return int(str(data["v"]))
    if kind == "float":
        return float(str(data["v"]))
    if kind == "str":
        return str(data["v"])
    if kind == "bytes":
        return base64.b64decode(data["v"])
    if kind in ("tensor", "ndarray"):
        array = np.frombuffer(base64.b64decode(data["v"]), dtype=np.dtype(str(data["np"])))
        array = array.reshape([int(n) for n in data["shape"]]).copy()
        if kind == "ndarray":
            return array
        tensor = torch.from_numpy(array)
        dtype = getattr(torch, str(data["dtype"]).removeprefix("torch."), None)
        return tensor.to(dtype) if isinstance(dtype, torch.dtype) else tensor
    if kind == "npscalar":
        return np.dtype(str(data["np"])).type(
            float(str(data["v"])) if "f" in str(data["np"]) else int(str(data["v"]))
        )
    if kind == "list":
        return [decode(item) for item in data["v"]]
    if kind == "tuple":
        return tuple(decode(item) for item in data["v"])
    if kind == "dict":
        return {decode(k): decode(v) for k, v in data["v"]}
    return Opaque(str(data.get("type", "?")), str(data.get("repr", "")))


def _record(kind: str, name: str, got: Any, expected: Any = ..., **params: Any) -> None:
    """Send one check's record to the grader at once (no-op outside ``nlpcourse grade``)."""
    if not _RECORDING:
        return
    from IPython.display import publish_display_data

    record = {"kind": kind, "name": str(name)[:500], "got": got, "params": params}
    if expected is not ...:
        record["expected"] = expected
    publish_display_data({RECORD_MIME: record})


def _hidden(*values: Any) -> bool:
    """True when the grader removed the expected values (they are ``...``): only record."""
    return _RECORDING and any(value is ... for value in values)


def _fail(name: str, message: str, hint: str | None = None) -> None:
    """Raise CheckFailed: the check's name, what was wrong and the hint, in the notebook's language
    (``message`` is already translated; the name and hint are the check cell's English)."""
    text = f"{tr(name)}: {message}"
    if hint:
        text += "\n  " + tr("hint: {hint}", hint=tr(hint))
    raise CheckFailed(text)


def check_tensor(
    name: str,
    got: Any,
    expected: torch.Tensor,
    *,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    check_dtype: bool = True,
    hint: str | None = None,
) -> None:
    """Check that ``got`` is a tensor with ``expected``'s shape, dtype and values.

    Raises :class:`CheckFailed` naming the first difference: type, shape, dtype, NaNs, or the first
    element outside ``atol + rtol * |expected|`` with both values.
    """
    if _RECORDING:
        _record(
            "tensor",
            name,
            _encode(got),
            ... if expected is ... else _encode(expected),
            atol=float(atol),
            rtol=float(rtol),
            check_dtype=bool(check_dtype),
        )
        if _hidden(expected):
            return
    if not isinstance(got, torch.Tensor):
        _fail(
            name,
            tr(
                "expected a torch.Tensor of shape {shape}, got {got}",
                shape=tuple(expected.shape),
                got=_describe(got),
            ),
            hint,
        )
    got = got.detach().as_subclass(torch.Tensor)
    expected = expected.detach().as_subclass(torch.Tensor)
    if tuple(got.shape) != tuple(expected.shape):
        _fail(
            name,
            tr(
                "expected shape {expected}, got shape {got}",
                expected=tuple(expected.shape),
                got=tuple(got.shape),
            ),
            hint,
        )
    if check_dtype and got.dtype != expected.dtype:
        _fail(
            name,
            tr("expected dtype {expected}, got dtype {got}", expected=expected.dtype, got=got.dtype),
            hint,
        )
    if got.is_floating_point() or expected.is_floating_point():
        g, e = got.double(), expected.double()
        if torch.isnan(g).any() and not torch.isnan(e).any():
            index = tuple(int(i) for i in torch.nonzero(torch.isnan(g))[0])
            _fail(
                name,
                tr(
                    "got NaN at index {index}, expected {expected:.6g}", index=index, expected=e[index].item()
                ),
                hint,
            )
        bad = ~torch.isclose(g, e, atol=atol, rtol=rtol, equal_nan=True)
    else:
        g, e = got, expected
        bad = g != e
    if bad.any():
        index = tuple(int(i) for i in torch.nonzero(bad)[0])
        diff = (g - e).abs().max().item() if g.is_floating_point() else None
        where = tr("index {index}", index=index) if index else tr("the value")
        message = tr(
            "values differ at {where}: expected {expected:.6g}, got {got:.6g}; "
            "{bad} of {total} elements differ",
            where=where,
            expected=e[index].item(),
            got=g[index].item(),
            bad=int(bad.sum()),
            total=bad.numel(),
        )
        if diff is not None:
            message += tr(
                " (max abs difference {diff:.3g}, tolerance {atol:g} + {rtol:g}·|expected|)",
                diff=diff,
                atol=atol,
                rtol=rtol,
            )
        _fail(name, message, hint)


def _as_number(name: str, got: Any, wanted: str, hint: str | None) -> float:
    """``got`` as a float if it is a Python int/float, a NumPy scalar or a one-element tensor."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        return float(got.detach().as_subclass(torch.Tensor).item())
    if type(got) in (int, float) or isinstance(got, np.floating | np.integer):
        return float(got)
    _fail(name, tr("expected {wanted}, got {got}", wanted=wanted, got=_describe(got)), hint)
    raise AssertionError  # unreachable: _fail raises


def check_scalar(
    name: str,
    got: Any,
    expected: float,
    *,
    atol: float = 1e-6,
    rtol: float = 1e-6,
    hint: str | None = None,
) -> None:
    """Check a real number: a Python int/float, a NumPy scalar or a one-element tensor."""
    if _RECORDING:
        _record(
            "scalar",
            name,
            _encode(got),
            ... if expected is ... else _encode(expected),
            atol=float(atol),
            rtol=float(rtol),
        )
        if _hidden(expected):
            return
    value = _as_number(name, got, tr("a number close to {expected:.6g}", expected=expected), hint)
    if math.isnan(value) or not math.isclose(value, expected, abs_tol=atol, rel_tol=rtol):
        _fail(
            name,
            tr(
                "expected {expected:.6g}, got {got:.6g} (tolerance {atol:g} + {rtol:g}·|expected|)",
                expected=expected,
                got=value,
                atol=atol,
                rtol=rtol,
            ),
            hint,
        )


def check_equal(name: str, got: Any, expected: Any, *, hint: str | None = None) -> None:
    """Check exact equality of plain values (int, str, tuple, list, dict), type included."""
    if _RECORDING:
        _record("equal", name, _encode(got), ... if expected is ... else _encode(expected))
        if _hidden(expected):
            return
    if type(got) is not type(expected):
        _fail(
            name,
            tr(
                "expected {type} {expected!r}, got {got}",
                type=type(expected).__name__,
                expected=expected,
                got=_describe(got),
            ),
            hint,
        )
    if isinstance(expected, Sequence) and not isinstance(expected, str) and len(got) != len(expected):
        _fail(
            name,
            tr(
                "expected {n} items {expected!r}, got {m} items {got!r}",
                n=len(expected),
                expected=expected,
                m=len(got),
                got=got,
            ),
            hint,
        )
    if isinstance(expected, dict):
        missing = [k for k in expected if k not in got]
        if missing:
            _fail(name, tr("missing keys {missing!r}", missing=missing), hint)
    if not _plain_equal(got, expected):
        _fail(name, tr("expected {expected!r}, got {got!r}", expected=expected, got=got), hint)


def _plain_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_plain_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_plain_equal(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b) if isinstance(a, int | str | bool | bytes | type(None)) else a is b


def check_true(name: str, condition: bool, message: str, *, hint: str | None = None) -> None:
    """Fail with ``message`` unless ``condition`` is exactly True."""
    ok = condition is True or (isinstance(condition, np.bool_ | torch.Tensor) and bool(condition))
    if _RECORDING:
        _record("true", name, {"t": "bool", "v": bool(ok)}, message=str(message)[:2000])
    if not ok:
        _fail(name, tr(message), hint)


def check_raises(
    name: str,
    fn: Callable[[], Any],
    exception: type[BaseException],
    *,
    hint: str | None = None,
) -> None:
    """Check that calling ``fn()`` raises ``exception`` (e.g. a clear ``ValueError`` on bad input)."""
    try:
        result = fn()
    except exception as error:
        _record_raised(name, error, exception)
        return
    except Exception as error:  # noqa: BLE001 - the message reports what was raised instead
        _record_raised(name, error, exception)
        _fail(
            name,
            tr(
                "expected {expected}, got {error}: {message}",
                expected=exception.__name__,
                error=type(error).__name__,
                message=error,
            ),
            hint,
        )
    _record_raised(name, None, exception, f"the call returned {_describe(result)}")
    _fail(
        name,
        tr(
            "expected {expected}, but the call returned {got}",
            expected=exception.__name__,
            got=_describe(result),
        ),
        hint,
    )


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _record_raised(name: str, error: BaseException | None, exception: Any, detail: str = "") -> None:
    if not _RECORDING:
        return
    raised = [_qualname(cls) for cls in type(error).__mro__] if error is not None else []
    if error is not None:
        detail = f"got {type(error).__name__}: {str(error)[:300]}"
    expected = _qualname(exception) if isinstance(exception, type) else str(exception)
    _record("raises", name, _encode([*raised]), _encode(expected), detail=detail)


def check_at_least(
    name: str,
    got: Any,
    minimum: float,
    *,
    hint: str | None = None,
) -> None:
    """Check that a number (a measured outcome: accuracy, BLEU, ...) is at least ``minimum``."""
    if _RECORDING:
        _record("at_least", name, _encode(got), ... if minimum is ... else _encode(minimum))
        if _hidden(minimum):
            return
    value = _as_number(name, got, tr("a number of at least {minimum:.6g}", minimum=minimum), hint)
    if math.isnan(value) or value < minimum:
        _fail(name, tr("expected at least {minimum:.6g}, got {got:.6g}", minimum=minimum, got=value), hint)


def check_accuracy(
    name: str,
    predictions: Any,
    labels: Sequence[int] | torch.Tensor,
    minimum: float,
    *,
    hint: str | None = None,
) -> float:
    """Check that ``predictions`` (the student's class ids, one per example) agree with ``labels``
    on at least a share ``minimum`` of the examples; returns the accuracy.

    ``predictions``: a 1-D integer tensor, array or list of ints with one entry per label.
    """
    if _RECORDING:
        hidden = _hidden(labels, minimum)
        _record(
            "accuracy",
            name,
            _encode(predictions),
            ... if hidden else {"labels": _encode(labels), "minimum": _encode(minimum)},
        )
        if hidden:
            return float("nan")  # the grader computes the accuracy from the record
    expected = torch.as_tensor(labels).reshape(-1)
    if isinstance(predictions, torch.Tensor):
        got = predictions.detach().as_subclass(torch.Tensor)
    elif isinstance(predictions, np.ndarray):
        got = torch.from_numpy(np.asarray(predictions))
    elif isinstance(predictions, list | tuple) and all(type(p) is int for p in predictions):
        got = torch.tensor(list(predictions), dtype=torch.long)
    else:
        _fail(
            name,
            tr(
                "expected {n} predicted class ids (a 1-D integer tensor or a list of ints), got {got}",
                n=len(expected),
                got=_describe(predictions),
            ),
            hint,
        )
    if got.is_floating_point() or got.is_complex() or got.dtype == torch.bool:
        _fail(
            name,
            tr(
                "expected integer class ids, got dtype {dtype}: take the argmax of the logits",
                dtype=got.dtype,
            ),
            hint,
        )
    if tuple(got.shape) != tuple(expected.shape):
        _fail(
            name,
            tr(
                "expected {n} predictions of shape {shape}, got shape {got}",
                n=len(expected),
                shape=tuple(expected.shape),
                got=tuple(got.shape),
            ),
            hint,
        )
    accuracy = float((got.long() == expected.long()).double().mean().item()) if len(expected) else 0.0
    if accuracy < minimum:
        _fail(
            name,
            tr(
                "expected an accuracy of at least {minimum:.1%}, got {accuracy:.1%} ({right} of {n} right)",
                minimum=minimum,
                accuracy=accuracy,
                right=int((got.long() == expected.long()).sum()),
                n=len(expected),
            ),
            hint,
        )
    return accuracy


def _code_objects(reference: Any) -> set[Any]:
    """The code objects behind a function, method, class (its methods) or module (its functions)."""
    codes: set[Any] = set()
    reference = inspect.unwrap(reference) if callable(reference) else reference  # past decorators,
    # whose shared wrapper code (e.g. torch.no_grad's) would otherwise stand for every decorated function
    if isinstance(reference, type):
        for value in vars(reference).values():
            codes |= _code_objects(getattr(value, "__func__", value))
    elif hasattr(reference, "__code__"):
        codes.add(reference.__code__)
    elif hasattr(reference, "__func__"):
        codes.add(reference.__func__.__code__)
    return codes


def check_own_work(
    name: str,
    call: Callable[[], Any],
    references: Sequence[Any],
    *,
    hint: str | None = None,
) -> Any:
    """Run ``call()`` (the student's code) and fail if it calls any of ``references`` (the package's
    own implementation of the exercise: functions, methods or classes); returns what ``call`` returned.

    An answer that merely calls ``nlpcourse``'s reference earns nothing: the exercise is to write it.
    """
    forbidden: dict[Any, str] = {}
    builtins: dict[int, str] = {}  # functions written in C (e.g. torch.softmax): seen as c_call events
    for reference in references:
        label = f"{getattr(reference, '__module__', '?')}.{getattr(reference, '__qualname__', reference)}"
        if isinstance(reference, types.BuiltinFunctionType | types.BuiltinMethodType):
            builtins[id(reference)] = label
        for code in _code_objects(reference):
            forbidden[code] = label
    used: list[str] = []

    def profile(frame, event, arg):  # noqa: ANN001, ARG001 - sys.setprofile's signature
        if event == "call" and frame.f_code in forbidden:
            used.append(forbidden[frame.f_code])
        elif event == "c_call" and id(arg) in builtins:
            used.append(builtins[id(arg)])

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = call()
    finally:
        sys.setprofile(previous)
    if _RECORDING:
        _record("own_work", name, _encode(used[0] if used else None))
    if used:
        _fail(
            name,
            tr(
                "your answer calls the course's own implementation {reference}: the exercise is to "
                "write it yourself (you may use torch and numpy)",
                reference=used[0],
            ),
            hint,
        )
    return result


def passed(message: str) -> None:
    """Print a one-line confirmation after a test cell's visible checks."""
    print(f"✔ {tr(message)}")


# --- the student's side: run one exercise's visible checks before submitting ---------------------

_HIDDEN = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def _current_notebook(namespace: dict[str, Any]) -> Path:
    """The notebook this kernel runs (see :func:`nlpcourse.i18n.current_notebook`), or a clear error."""
    found = current_notebook(namespace)
    if found is None:
        raise FileNotFoundError(
            f"cannot tell which notebook this is (not exactly one chapter notebook in {Path.cwd()}): "
            "pass it, e.g. check('softmax', notebook='00_welcome.ipynb')"
        )
    return found


def _visible(source: str) -> str:
    lines, hidden = [], False
    for line in source.splitlines():
        if _HIDDEN[0] in line:
            hidden = True
        elif _HIDDEN[1] in line:
            hidden = False
        elif not hidden:
            lines.append(line)
    return "\n".join(lines)


def _check_cells(notebook: Path, exercise: str) -> list[tuple[str, str]]:
    """(grade_id, visible source) of the check cells of ``exercise`` (an answer or a check cell id)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    meta = [cell.get("metadata", {}).get("nbgrader", {}) for cell in cells]
    checks, inside = [], False
    for cell, info in zip(cells, meta, strict=True):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        is_check = cell["cell_type"] == "code" and info.get("grade") and not info.get("solution")
        if info.get("grade_id") == exercise and is_check:
            return [(exercise, _visible(source))]
        if info.get("solution"):
            inside = info.get("grade_id") == exercise
        elif inside and is_check:
            checks.append((info["grade_id"], _visible(source)))
    if not checks:
        ids = [
            info["grade_id"]
            for cell, info in zip(cells, meta, strict=True)
            if info.get("solution") and cell["cell_type"] == "code"
        ]
        raise ValueError(f"no exercise {exercise!r} with checks in {notebook.name}: choose from {ids}")
    return checks


def check(
    exercise: str, *, notebook: str | os.PathLike | None = None, namespace: dict[str, Any] | None = None
) -> bool:
    """Run the visible checks of one exercise, as the grader will, and say what came back.

    ``exercise`` is the id of the answer cell (e.g. ``"softmax"``; ``check("nope")`` lists them) or
    of its check cell. The checks run on the variables of ``namespace`` (default: the notebook's).
    Prints ``✔`` lines when they pass, or ``✘`` with what was expected and what your code returned;
    returns True when all visible checks pass. The hidden checks run only when the notebook is graded.
    """
    namespace = namespace if namespace is not None else sys.modules["__main__"].__dict__
    path = Path(notebook) if notebook is not None else _current_notebook(namespace)
    for grade_id, source in _check_cells(path, exercise):
        try:
            exec(compile(source, f"<check cell {grade_id}>", "exec"), namespace)  # noqa: S102
        except CheckFailed as failure:
            print(f"✘ {failure}")
            return False
        except NotImplementedError:
            print(
                f"✘ {exercise}: "
                + tr("not answered yet: replace `raise NotImplementedError()` with your code")
            )
            return False
        except NameError as error:
            print(f"✘ {exercise}: {error}: " + tr("run the answer cell (and the cells above it) first"))
            return False
        except Exception as error:  # noqa: BLE001 - the student's code failed; say how
            print(
                f"✘ {exercise}: "
                + tr("your code raised {error}: {message}", error=type(error).__name__, message=error)
            )
            return False
    print(f"✔ {exercise}: " + tr("the visible checks pass (hidden checks run when your notebook is graded)"))
    return True
