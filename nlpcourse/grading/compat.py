"""Every private part of a dependency that the grader relies on, in one place.

The grader runs kernels through nbclient (via nbgrader's ``Execute`` preprocessor), renders feedback
with nbconvert and runs workers in a :class:`concurrent.futures.ProcessPoolExecutor`. A few things it
needs have no public API:

* nbclient: re-initialising a client on a new notebook (what ``ExecutePreprocessor.preprocess``
  does; our preprocessor replaces that method), the execution trackers and the timeout hook;
* jupyter_client: the kernel's process (its provisioner's ``Popen``), whose exit status says how
  a kernel died;
* nbconvert: an exporter's resource initialisation and notebook metadata (feedback rendering
  registers its own filters with them);
* concurrent.futures: the pool's worker processes, stopped at Ctrl-C.

Each is reached through a function here, and :data:`PRIVATE` lists every private name used or
overridden anywhere in :mod:`nlpcourse.grading`, with the range of versions it was checked against;
``pyproject.toml`` pins the same ranges and ``tests/test_grading_units.py`` checks that every name
exists in the installed versions, so an upgrade that moves one fails a test, not a class's grading.
"""

from __future__ import annotations

import importlib
import inspect
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from typing import Any

__all__ = [
    "PRIVATE",
    "RANGES",
    "exporter_resources",
    "kernel_process",
    "missing",
    "notebook_metadata",
    "pool_processes",
    "reinitialise_client",
]

#: Versions whose private names below were checked (also pinned in pyproject.toml).
RANGES = {
    "nbclient": ">=0.10,<0.12",
    "nbconvert": ">=7.16,<8",
    "jupyter_client": ">=8.6,<9",
    "nbgrader": ">=0.9.3,<0.10",
}

#: (module, class, attribute) of every private or undocumented name the grader uses or overrides.
PRIVATE = [
    ("nbclient.client", "NotebookClient", "__init__"),  # called again on a new notebook
    ("nbclient.client", "NotebookClient", "reset_execution_trackers"),
    ("nbconvert.preprocessors.execute", "ExecutePreprocessor", "_check_assign_resources"),
    ("nbclient.client", "NotebookClient", "_async_handle_timeout"),  # overridden: notes the timeout
    ("nbclient.client", "NotebookClient", "process_message"),  # overridden: the output limits
    ("nbclient.client", "NotebookClient", "set_widgets_metadata"),
    ("nbconvert.exporters.html", "HTMLExporter", "_init_resources"),
    ("nbconvert.exporters.html", "HTMLExporter", "_nb_metadata"),
    ("jupyter_client.provisioning.local_provisioner", "LocalProvisioner", "process"),
    ("concurrent.futures.process", "ProcessPoolExecutor", "_processes"),
]


def reinitialise_client(client: Any, nb: Any, km: Any = None, resources: Any = None) -> None:
    """Point an nbclient ``NotebookClient`` (or subclass) at notebook ``nb``, re-reading its config,
    and give it ``resources``, as ``nbconvert.preprocessors.ExecutePreprocessor.preprocess`` does
    before a run."""
    from nbclient.client import NotebookClient

    NotebookClient.__init__(client, nb, km)
    client.reset_execution_trackers()
    client._check_assign_resources(resources)


def kernel_process(km: Any) -> Any | None:
    """The ``subprocess.Popen`` of a kernel started by jupyter_client's local provisioner, or None."""
    return getattr(getattr(km, "provisioner", None), "process", None)


def exporter_resources(exporter: Any, resources: dict | None) -> dict:
    """nbconvert's resources for one export (what ``from_notebook_node`` builds first)."""
    return exporter._init_resources(resources)


def notebook_metadata(exporter: Any) -> dict:
    """The metadata of the notebook an nbconvert exporter is exporting (widget state lives there)."""
    return exporter._nb_metadata


def pool_processes(pool: ProcessPoolExecutor | None) -> list:
    """The worker processes of a process pool (empty for None or a pool without workers yet)."""
    return list((getattr(pool, "_processes", None) or {}).values())


def missing() -> list[str]:
    """Private names in :data:`PRIVATE` that the installed packages lack, and packages installed
    outside :data:`RANGES`."""
    from packaging.specifiers import SpecifierSet

    problems = []
    for package, spec in RANGES.items():
        installed = version(package)
        if installed not in SpecifierSet(spec):
            problems.append(f"{package} {installed} is outside {spec}")
    for module, cls, attribute in PRIVATE:
        owner = getattr(importlib.import_module(module), cls)
        if hasattr(owner, attribute):
            continue
        # an instance attribute: set in __init__ or a method of the class or its bases in that package
        package = module.split(".")[0]
        source = "".join(inspect.getsource(c) for c in owner.__mro__ if c.__module__.split(".")[0] == package)
        if f"self.{attribute}" not in source:
            problems.append(f"{module}.{cls}.{attribute} is gone")
    return problems
