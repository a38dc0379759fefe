"""Chapter 11: a minimal multimodal model, a toy CLIP on rendered digits and their captions.

* :mod:`~nlpcourse.multimodal.images`: digit images drawn offline with matplotlib, caption templates.
* :mod:`~nlpcourse.multimodal.clip`: image and text encoders, the symmetric contrastive loss,
  zero-shot classification by text prompts.
"""

from nlpcourse.multimodal.clip import (
    ClipConfig,
    ImageEncoder,
    TextEncoder,
    ToyClip,
    WordVocab,
    clip_batches,
    clip_loss,
    train_toy_clip,
    zero_shot_classify,
)
from nlpcourse.multimodal.images import (
    DIGIT_WORDS,
    FONTS,
    PROMPT_TEMPLATE,
    TRAIN_TEMPLATES,
    digit_captions,
    digit_images,
    glyphs,
    plot_digits,
)

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
    "DIGIT_WORDS",
    "TRAIN_TEMPLATES",
    "PROMPT_TEMPLATE",
    "FONTS",
    "glyphs",
    "digit_images",
    "digit_captions",
    "plot_digits",
]
