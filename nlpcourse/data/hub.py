"""Real datasets from the Hugging Face Hub, for when you are online (e.g. on Binder).

    from nlpcourse.data import load_hub_dataset
    imdb = load_hub_dataset("imdb")            # a datasets.DatasetDict, downloaded and cached by datasets

Offline, a loader fails within about a second with an :class:`OfflineError` that names the course's
offline replacement, e.g. ``imdb needs the internet; use nlpcourse.data.sentiment_dataset() offline``.
It never falls back silently to other data: a result always comes from the dataset you asked for.
Offline means: ``HF_DATASETS_OFFLINE`` or ``HF_HUB_OFFLINE`` is set to a true value (the course's
Makefile and test suite set both), or ``huggingface.co`` cannot be reached within
:data:`PROBE_TIMEOUT` seconds.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HUB_DATASETS",
    "HubDataset",
    "OfflineError",
    "PROBE_TIMEOUT",
    "is_offline",
    "offline_reason",
    "load_hub_dataset",
]

#: Seconds to wait for a TCP connection to the hub before calling the machine offline.
PROBE_TIMEOUT = 1.0


class OfflineError(ConnectionError):
    """A hub dataset was asked for without internet access; the message names the offline alternative."""


@dataclass(frozen=True)
class HubDataset:
    """Where a dataset lives on the hub and what to use instead offline."""

    path: str  # repository id for datasets.load_dataset
    config: str | None  # configuration name, if the repository has several
    offline: str  # the course's offline replacement
    about: str


HUB_DATASETS = {
    "wikitext-2": HubDataset(
        "Salesforce/wikitext",
        "wikitext-2-raw-v1",
        "nlpcourse.data.docstring_corpus()",
        "Wikipedia articles, 2M tokens (language modelling)",
    ),
    "imdb": HubDataset(
        "stanfordnlp/imdb",
        None,
        "nlpcourse.data.sentiment_dataset()",
        "50k film reviews, positive / negative",
    ),
    "sst2": HubDataset(
        "stanfordnlp/sst2",
        None,
        "nlpcourse.data.sentiment_dataset()",
        "Stanford Sentiment Treebank, binary sentences",
    ),
    "squad": HubDataset(
        "rajpurkar/squad", None, "nlpcourse.data.qa_dataset()", "SQuAD 1.1 extractive question answering"
    ),
}

_TRUE = {"1", "true", "yes", "on"}


def _probe(host: str = "huggingface.co", port: int = 443, timeout: float = PROBE_TIMEOUT) -> bool:
    """True when a TCP connection to the hub opens within ``timeout`` seconds (DNS included)."""
    result: list[bool] = []

    def connect() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=connect, daemon=True)  # a slow DNS lookup cannot hold us up
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def offline_reason() -> str | None:
    """Why the hub is out of reach (an offline variable, or no answer to the probe); None if online."""
    for variable in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        if os.environ.get(variable, "").strip().lower() in _TRUE:
            return f"{variable}={os.environ[variable]} is set"
    if not _probe():
        return f"huggingface.co did not answer within {PROBE_TIMEOUT:g} s"
    return None


def is_offline() -> bool:
    """True when the environment says offline or the hub cannot be reached quickly."""
    return offline_reason() is not None


def load_hub_dataset(name: str, **kwargs: Any) -> Any:
    """Load a known hub dataset (:data:`HUB_DATASETS`) with ``datasets.load_dataset``.

    Extra keyword arguments go to ``load_dataset`` (e.g. ``split="train"``). Raises
    :class:`OfflineError` offline and ``ValueError`` for an unknown name.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, one of {sorted(HUB_DATASETS)}; got {type(name).__name__}")
    if name not in HUB_DATASETS:
        raise ValueError(f"unknown hub dataset {name!r}: known ones are {', '.join(sorted(HUB_DATASETS))}")
    spec = HUB_DATASETS[name]
    reason = offline_reason()
    if reason:
        raise OfflineError(f"{name} needs the internet; use {spec.offline} offline ({reason})")
    from datasets import load_dataset

    return load_dataset(spec.path, spec.config, **kwargs)
