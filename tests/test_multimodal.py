"""Toy CLIP: the contrastive loss against its formula, rendered images, zero-shot classification."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from nlpcourse.multimodal import (
    DIGIT_WORDS,
    PROMPT_TEMPLATE,
    ClipConfig,
    ToyClip,
    WordVocab,
    clip_batches,
    clip_loss,
    digit_captions,
    digit_images,
    glyphs,
    train_toy_clip,
    zero_shot_classify,
)
from nlpcourse.train import train


def test_clip_loss_equals_its_formula():
    g = torch.Generator().manual_seed(0)
    image = F.normalize(torch.randn(5, 8, generator=g), dim=-1)
    text = F.normalize(torch.randn(5, 8, generator=g), dim=-1)
    logits = 10.0 * image @ text.T
    rows = -(logits.log_softmax(1).diagonal()).mean()  # each image picks its caption
    columns = -(logits.log_softmax(0).diagonal()).mean()  # each caption picks its image
    torch.testing.assert_close(clip_loss(image, text, 10.0), (rows + columns) / 2)
    assert float(clip_loss(image, image, 100.0)) < 1e-3  # matching pairs, far apart: loss near 0
    with pytest.raises(ValueError):
        clip_loss(image, text[:4], 1.0)


def test_glyphs_and_images():
    base = glyphs(24)
    assert base.shape == (3, 10, 24, 24) and 0 <= float(base.min()) and float(base.max()) <= 1
    assert (base.sum((2, 3)) > 5).all()  # every glyph has ink
    assert not torch.allclose(base[0, 1], base[0, 7])
    x, y = digit_images(50, seed=3)
    assert x.shape == (50, 1, 24, 24) and y.shape == (50,)
    x2, y2 = digit_images(50, seed=3)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    captions = digit_captions(y, seed=0)
    assert all(DIGIT_WORDS[int(label)] in caption.split() for label, caption in zip(y, captions, strict=True))
    with pytest.raises(ValueError):
        digit_images(0)


def test_word_vocab_pads():
    vocab = WordVocab(["a b", "c"])
    assert vocab.encode(["a b", "c zz"]).tolist() == [[2, 3], [4, 1]]
    assert vocab.encode(["c", "a b"]).tolist() == [[4, 0], [2, 3]]


def test_zero_shot_classification_after_training():
    x, y = digit_images(1000, seed=0)
    captions = digit_captions(y, seed=0)
    prompts = [PROMPT_TEMPLATE.format(w) for w in DIGIT_WORDS]  # a template never seen in training
    vocab = WordVocab(captions + prompts)
    torch.manual_seed(0)
    model = ToyClip(ClipConfig(vocab_size=len(vocab)))
    history = train(
        model,
        clip_batches(x, captions, vocab, batch_size=64),
        20,
        torch.optim.Adam(model.parameters(), lr=3e-3),
        progress=False,
    )
    assert history["loss"][-1] < history["loss"][0]
    model = train_toy_clip(x, captions, vocab, steps=150, progress=False)
    test_x, test_y = digit_images(300, seed=1)
    predictions = zero_shot_classify(model, test_x, vocab.encode(prompts))
    assert (predictions == test_y).double().mean() > 0.8
