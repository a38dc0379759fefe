"""A toy CLIP (Radford et al. 2021): an image encoder and a text encoder trained to agree.

For a batch of n (image, caption) pairs, both encoders map into one space of unit vectors; the logits
are the scaled cosine similarities of every image with every caption, ``logits = exp(t) * I T^T``
``(n, n)``, and the loss is the cross-entropy that picks the right caption for each image (rows) and the
right image for each caption (columns):

    L = (CE(logits, arange(n)) + CE(logits^T, arange(n))) / 2

*Zero-shot* classification then needs no classifier: encode one text prompt per class ("a photo of
the number seven") and give each image the class of its most similar prompt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "ClipConfig",
    "WordVocab",
    "ImageEncoder",
    "TextEncoder",
    "ToyClip",
    "clip_loss",
    "zero_shot_classify",
    "clip_batches",
    "train_toy_clip",
]


@dataclass
class ClipConfig:
    image_size: int = 24  # square grey images
    embed_dim: int = 32  # the shared space
    channels: int = 16  # first convolution's channels (the second has twice as many)
    word_dim: int = 32  # word embeddings of the text encoder
    vocab_size: int = 64


class WordVocab:
    """Lower-cased words -> ids (0 is padding); ``encode`` pads a batch to its longest caption."""

    def __init__(self, texts: Sequence[str]):
        self.ids = {"[PAD]": 0, "[UNK]": 1}
        for text in texts:
            for word in text.lower().split():
                self.ids.setdefault(word, len(self.ids))

    def __len__(self) -> int:
        return len(self.ids)

    def encode(self, texts: Sequence[str]) -> Tensor:
        """``(len(texts), longest)`` ids, padded with 0."""
        rows = [[self.ids.get(w, 1) for w in text.lower().split()] for text in texts]
        out = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)
        for i, row in enumerate(rows):
            out[i, : len(row)] = torch.tensor(row)
        return out


class ImageEncoder(nn.Module):
    """Two convolutions with pooling and a linear map: ``(n, 1, S, S)`` -> ``(n, embed_dim)``."""

    def __init__(self, config: ClipConfig):
        super().__init__()
        c = config.channels
        self.conv = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c, 2 * c, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.proj = nn.Linear(2 * c * (config.image_size // 4) ** 2, config.embed_dim)

    def forward(self, images: Tensor) -> Tensor:
        return self.proj(self.conv(images).flatten(1))


class TextEncoder(nn.Module):
    """Mean of word embeddings (padding excluded), then an MLP: ``(n, words)`` -> ``(n, embed_dim)``."""

    def __init__(self, config: ClipConfig):
        super().__init__()
        self.embed = nn.Embedding(config.vocab_size, config.word_dim, padding_idx=0)
        self.mlp = nn.Sequential(
            nn.Linear(config.word_dim, config.word_dim),
            nn.ReLU(),
            nn.Linear(config.word_dim, config.embed_dim),
        )

    def forward(self, ids: Tensor) -> Tensor:
        mask = (ids != 0).unsqueeze(-1).float()
        return self.mlp((self.embed(ids) * mask).sum(1) / mask.sum(1).clamp(min=1))


class ToyClip(nn.Module):
    """``model(images, caption_ids)`` -> ``(logits (n, n), loss)``; ``logit_scale`` starts at log(1/0.07)."""

    def __init__(self, config: ClipConfig):
        super().__init__()
        self.config = config
        self.image_encoder = ImageEncoder(config)
        self.text_encoder = TextEncoder(config)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode_images(self, images: Tensor) -> Tensor:
        return F.normalize(self.image_encoder(images), dim=-1)

    def encode_texts(self, ids: Tensor) -> Tensor:
        return F.normalize(self.text_encoder(ids), dim=-1)

    def forward(self, images: Tensor, ids: Tensor) -> tuple[Tensor, Tensor]:
        image, text = self.encode_images(images), self.encode_texts(ids)
        scale = self.logit_scale.clamp(max=math.log(100)).exp()  # CLIP caps the scale at 100
        return scale * image @ text.T, clip_loss(image, text, scale)


def clip_loss(image: Tensor, text: Tensor, scale: Tensor | float) -> Tensor:
    """Symmetric cross-entropy of ``scale * image @ text.T``; image, text ``(n, d)`` unit rows, pair i = i."""
    if image.shape != text.shape or image.dim() != 2:
        raise ValueError(
            f"image and text embeddings must both be (n, d), got {tuple(image.shape)} and {tuple(text.shape)}"
        )
    logits = scale * image @ text.T  # (n images, n captions)
    targets = torch.arange(len(image))
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@torch.no_grad()
def zero_shot_classify(model: ToyClip, images: Tensor, prompt_ids: Tensor) -> Tensor:
    """Class of each image: the index of its most similar prompt ``(classes, words)`` -> ``(n,)``."""
    model.eval()
    return (model.encode_images(images) @ model.encode_texts(prompt_ids).T).argmax(-1)


def clip_batches(
    images: Tensor, captions: Sequence[str], vocab: WordVocab, batch_size: int = 64, seed: int = 0
):  # noqa: ANN201 - a function step -> batch
    """``batches(step)`` -> ``(images, caption_ids)`` of ``batch_size`` random pairs."""
    ids = vocab.encode(captions)

    def batches(step: int) -> tuple[Tensor, Tensor]:
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        rows = torch.randperm(len(images), generator=g)[:batch_size]
        chosen = ids[rows]
        return images[rows], chosen[:, : int((chosen != 0).sum(1).max())]

    return batches


def train_toy_clip(
    images: Tensor,
    captions: Sequence[str],
    vocab: WordVocab,
    steps: int = 200,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> ToyClip:
    """A :class:`ToyClip` trained on ``(images, captions)`` pairs with Adam on the shared loop."""
    from nlpcourse.train import train

    torch.manual_seed(seed)
    model = ToyClip(ClipConfig(image_size=images.size(-1), vocab_size=len(vocab)))
    train(
        model,
        clip_batches(images, captions, vocab, batch_size, seed),
        steps,
        torch.optim.Adam(model.parameters(), lr=lr),
        progress=progress,
        desc="toy CLIP",
    )
    return model.eval()
