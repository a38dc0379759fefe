"""The course's JupyterLab: notebooks open clean (not marked unsaved).

The course's notebooks are committed with their outputs stripped and a minimal
``language_info`` (``{"name": "python"}``): the full one names the Python patch version of whoever
saved last. When a kernel starts, JupyterLab writes the kernel's full ``language_info`` into the
notebook and marks it modified: every chapter showed as unsaved right after it was opened.

:class:`CourseContentsManager` (set in ``.jupyter/jupyter_server_config.json`` as
``ServerApp.contents_manager_class``) fills in the keys a Python notebook's ``language_info`` lacks
from the running ``ipykernel``, the kernel the notebook is about to get, when the notebook is read.
Keys already there are left alone, so nothing a notebook says is overwritten. On a JupyterHub,
set the same ``c.ServerApp.contents_manager_class`` in the single-user servers' configuration.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

__all__ = ["CourseContentsManager", "complete_language_info"]


def kernel_language_info() -> dict[str, Any]:
    """What ipykernel (this environment's ``python3`` kernel) reports as its ``language_info``."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def complete_language_info(notebook: Any) -> bool:
    """Add the keys missing from a Python notebook's ``language_info``; return True if it changed.

    ``notebook`` is an nbformat ``NotebookNode`` (or a dict of the same shape).
    """
    metadata = notebook.get("metadata")
    if metadata is None:
        return False
    kernelspec = metadata.get("kernelspec") or {}
    info = metadata.get("language_info")
    if kernelspec.get("language", "python") != "python" or (info and info.get("name") != "python"):
        return False
    info = info if info is not None else {}
    missing = {k: v for k, v in kernel_language_info().items() if k not in info}
    if not missing:
        return False
    info.update(missing)
    metadata["language_info"] = info
    return True


class CourseContentsManager(AsyncLargeFileManager):
    """Jupyter's default contents manager, with complete ``language_info`` on notebooks it reads."""

    async def get(self, path, content=True, type=None, format=None, **kwargs):  # noqa: A002 - Jupyter's API
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model.get("type") == "notebook" and model.get("content") is not None:
            complete_language_info(model["content"])
        return model
