"""Collect the docstrings of the Python standard library; run as a script in a fresh interpreter.

    python -I -S _docwalk.py OUTPUT.json

``-I -S`` (isolated, no ``site``) makes only the standard library importable, so installed packages
(e.g. setuptools' replacement ``distutils``) cannot change the result. This file imports nothing but
the standard library and is never imported by the course itself: importing hundreds of modules has
side effects (they stay loaded, some register handlers), which belong in a throw-away process.

Walk, deterministic for a given Python build:

1. every name in ``sys.stdlib_module_names``, sorted, and each package's submodules
   (``pkgutil.walk_packages``, sorted by name), minus the modules in :data:`SKIP` and any test or
   ``__main__`` module;
2. for each module: its docstring, then, in sorted name order, the classes and functions it defines
   (``obj.__module__`` is the module), and for each class the methods, class/static methods and
   properties in its ``__dict__``, sorted by name;
3. ``inspect.getdoc`` of each (indentation cleaned); empty and repeated docstrings are dropped,
   keeping the first occurrence.

The result is a JSON list of docstrings written to OUTPUT.json.
"""

import contextlib
import importlib
import inspect
import io
import json
import pkgutil
import sys
import warnings

#: Top-level modules never imported: they act on import or need a display.
SKIP = {
    "antigravity",  # opens a web browser
    "this",  # prints the Zen of Python
    "idlelib",
    "tkinter",
    "_tkinter",
    "turtle",
    "turtledemo",  # GUI
    "lib2to3",  # deprecated; builds and may write grammar pickles on import
    "test",
    "__main__",
}
#: Module path components that mark tests or command-line entry points (``venv.__main__`` creates
#: a virtual environment when imported).
SKIP_PARTS = {"__main__", "test", "tests", "idle_test"}


def skipped(name: str) -> bool:
    parts = name.split(".")
    return parts[0] in SKIP or any(p in SKIP_PARTS or p.startswith("test_") for p in parts)


def quiet_import(name: str):
    """Import a module with its prints and warnings swallowed; None if it cannot be imported."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        try:
            return importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - platform-specific modules raise anything, even SystemExit
            return None


def modules():
    for name in sorted(sys.stdlib_module_names):
        if skipped(name):
            continue
        module = quiet_import(name)
        if module is None:
            continue
        yield module
        if hasattr(module, "__path__"):
            found = pkgutil.walk_packages(module.__path__, name + ".", onerror=lambda _: None)
            for info in sorted(found, key=lambda info: info.name):
                if not skipped(info.name):
                    submodule = quiet_import(info.name)
                    if submodule is not None:
                        yield submodule


def documented(module):
    """The module and the classes, functions and methods it defines, in a fixed order."""
    yield module
    for _, obj in sorted(vars(module).items()):
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isclass(obj):
            yield obj
            for _, attribute in sorted(vars(obj).items()):
                if isinstance(attribute, staticmethod | classmethod):
                    attribute = attribute.__func__
                if inspect.isroutine(attribute) or isinstance(attribute, property):
                    yield attribute
        elif inspect.isroutine(obj):
            yield obj


def main(output: str) -> None:
    warnings.simplefilter("ignore")
    docs, seen = [], set()
    for module in list(modules()):
        for obj in documented(module):
            try:
                doc = inspect.getdoc(obj)
            except Exception:  # noqa: BLE001 - a broken __doc__ descriptor is skipped
                continue
            if isinstance(doc, str) and doc.strip() and doc not in seen:
                seen.add(doc)
                docs.append(doc)
    with open(output, "w", encoding="utf-8") as file:
        json.dump(docs, file, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
