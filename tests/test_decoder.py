"""Tests for the decoder side of nlpcourse.transformer: equal to torch's decoder and nn.Transformer, to
transformers' MarianMTModel (logits, greedy and beam generate), cache equal to recomputation, errors."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from nlpcourse.transformer import (
    DecoderLayer,
    EncoderLayer,
    Transformer,
    TransformerConfig,
    beam_search,
    causal_mask,
    decoder_self_mask,
    greedy_decode,
    padding_mask,
)
from nlpcourse.transformer.marian import marian_generation_config, to_marian

D, HEADS, FF = 32, 4, 64
PAD, BOS, EOS = 0, 1, 2


def padded_ids(
    batch: int, seq: int, vocab: int, lengths: list[int], generator: torch.Generator
) -> torch.Tensor:
    ids = torch.randint(3, vocab, (batch, seq), generator=generator)
    for row, length in enumerate(lengths):
        ids[row, length:] = PAD
    return ids


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_decoder_layer_equals_torch(norm_first: bool, activation: str) -> None:
    torch_layer = nn.TransformerDecoderLayer(
        D, HEADS, FF, dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first
    ).eval()
    ours = DecoderLayer.from_torch(torch_layer).eval()
    g = torch.Generator().manual_seed(1)
    x, memory = torch.randn(3, 6, D, generator=g), torch.randn(3, 5, D, generator=g)
    tgt = padded_ids(3, 6, 10, [6, 4, 2], g)
    src_keep = padding_mask(torch.tensor([5, 3, 1]), seq_len=5)  # (3, 1, 1, 5)
    got = ours(x, memory, self_mask=decoder_self_mask(tgt, PAD), memory_mask=src_keep)
    expected = torch_layer(
        x,
        memory,
        tgt_mask=~causal_mask(6),
        tgt_key_padding_mask=tgt == PAD,
        memory_key_padding_mask=~src_keep[:, 0, 0],
        tgt_is_causal=True,
    )
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_decoder_self_mask_by_hand() -> None:
    mask = decoder_self_mask(torch.tensor([[5, 6, 0]]), pad_id=0)
    expected = torch.tensor([[[[True, False, False], [True, True, False], [True, True, False]]]])
    assert torch.equal(mask, expected)
    with pytest.raises(ValueError, match="batch, seq"):
        decoder_self_mask(torch.zeros(3), pad_id=0)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_equals_torch_transformer(norm_first: bool) -> None:
    """Our encoder-decoder on token ids equals nn.Transformer on the same embedded inputs."""
    config = TransformerConfig(
        src_vocab_size=13,
        tgt_vocab_size=11,
        d_model=D,
        num_heads=HEADS,
        d_ff=FF,
        num_encoder_layers=2,
        num_decoder_layers=2,
        norm_first=norm_first,
    )
    ours = Transformer(config).eval()
    enc_layer = nn.TransformerEncoderLayer(D, HEADS, FF, 0.0, batch_first=True, norm_first=norm_first)
    dec_layer = nn.TransformerDecoderLayer(D, HEADS, FF, 0.0, batch_first=True, norm_first=norm_first)
    reference = nn.Transformer(
        D,
        HEADS,
        batch_first=True,
        norm_first=norm_first,
        custom_encoder=nn.TransformerEncoder(
            enc_layer, 2, norm=nn.LayerNorm(D) if norm_first else None, enable_nested_tensor=False
        ),
        custom_decoder=nn.TransformerDecoder(dec_layer, 2, norm=nn.LayerNorm(D) if norm_first else None),
    ).eval()
    with torch.no_grad():
        for p in reference.parameters():
            p.add_(0.1 * torch.randn_like(p))  # LayerNorms away from 1 and 0 too
    for theirs, mine in zip(reference.encoder.layers, ours.encoder.layers, strict=True):
        mine.load_state_dict(EncoderLayer.from_torch(theirs).state_dict())
    for theirs, mine in zip(reference.decoder.layers, ours.decoder.layers, strict=True):
        mine.load_state_dict(DecoderLayer.from_torch(theirs).state_dict())
    if norm_first:
        ours.encoder.norm.load_state_dict(reference.encoder.norm.state_dict())
        ours.decoder.norm.load_state_dict(reference.decoder.norm.state_dict())
    g = torch.Generator().manual_seed(2)
    src, tgt = padded_ids(3, 7, 13, [7, 5, 2], g), padded_ids(3, 6, 11, [6, 3, 1], g)
    tgt[:, 0] = BOS
    with torch.no_grad():
        memory, memory_mask = ours.encode(src)
        got = ours.decoder(tgt, memory, self_mask=decoder_self_mask(tgt, PAD), memory_mask=memory_mask)
        src_x = ours.encoder.positions(ours.encoder.embed(src) * math.sqrt(D))
        tgt_x = ours.decoder.positions(ours.decoder.embed(tgt) * math.sqrt(D))
        expected = reference(
            src_x,
            tgt_x,
            tgt_mask=~causal_mask(6),
            src_key_padding_mask=src == PAD,
            tgt_key_padding_mask=tgt == PAD,
            memory_key_padding_mask=src == PAD,
            tgt_is_causal=True,
        )
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


@pytest.fixture(scope="module")
def trained() -> Transformer:
    """A tiny model trained for a moment on 'reverse the digits and add one': its outputs vary in
    length and content, so decoders that differ anywhere produce different outputs."""
    torch.manual_seed(0)
    config = TransformerConfig(src_vocab_size=13, tgt_vocab_size=13, d_model=D, num_heads=HEADS, d_ff=FF)
    model = Transformer(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(120):
        lengths = torch.randint(1, 7, (32,), generator=g).tolist()
        src = padded_ids(32, 7, 13, lengths, g)
        rows = [[3 + (t - 3 + 1) % 10 for t in reversed(src[i, :n].tolist())] for i, n in enumerate(lengths)]
        tgt_in = torch.zeros(32, 8, dtype=torch.long)
        tgt_out = torch.zeros(32, 8, dtype=torch.long)
        for i, row in enumerate(rows):
            tgt_in[i, : len(row) + 1] = torch.tensor([BOS, *row])
            tgt_out[i, : len(row) + 1] = torch.tensor([*row, EOS])
        loss = model(src, tgt_in, tgt_out)[1]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def sources() -> torch.Tensor:
    g = torch.Generator().manual_seed(5)
    return padded_ids(6, 7, 13, [7, 6, 5, 3, 2, 1], g)


def until_eos(ids: torch.Tensor) -> list[list[int]]:
    """Each row up to and including its first eos (what a translation is, whatever the padding)."""
    rows = []
    for row in ids.tolist():
        rows.append(row[: row.index(EOS) + 1] if EOS in row else row)
    return rows


@pytest.mark.parametrize("norm_first", [False, True])
def test_cache_equals_recomputation_at_every_step(norm_first: bool) -> None:
    config = TransformerConfig(
        src_vocab_size=13, tgt_vocab_size=11, d_model=D, num_heads=HEADS, d_ff=FF, norm_first=norm_first
    )
    model = Transformer(config).eval()
    g = torch.Generator().manual_seed(3)
    src, tgt = padded_ids(3, 7, 13, [7, 4, 2], g), torch.randint(3, 11, (3, 9), generator=g)
    with torch.no_grad():
        memory, memory_mask = model.encode(src)
        full = model.decode(tgt, memory, memory_mask)  # (3, 9, vocab), all positions at once
        cache = model.new_cache()
        steps = [model.decode(tgt[:, :2], memory, memory_mask, cache=cache)]  # a 2-token prefill
        steps += [model.decode(tgt[:, t : t + 1], memory, memory_mask, cache=cache) for t in range(2, 9)]
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)
    assert cache.length == 9 and cache.layers[0].self_k.shape == (3, HEADS, 9, D // HEADS)


@pytest.mark.parametrize("share", [False, True])
def test_marian_logits_equal(share: bool) -> None:
    config = TransformerConfig(
        src_vocab_size=15,
        tgt_vocab_size=15 if share else 11,
        d_model=D,
        num_heads=HEADS,
        d_ff=FF,
        share_embeddings=share,
    )
    model = Transformer(config).eval()
    g = torch.Generator().manual_seed(4)
    src, tgt = padded_ids(3, 7, 15, [7, 5, 2], g), torch.randint(3, 11, (3, 6), generator=g)
    tgt[:, 0] = BOS
    hf = to_marian(model)
    with torch.no_grad():
        ours = model(src, tgt)[0]
        theirs = hf(input_ids=src, attention_mask=(src != PAD).long(), decoder_input_ids=tgt).logits
    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=1e-4)


def test_marian_refuses_pre_ln() -> None:
    model = Transformer(TransformerConfig(d_model=D, num_heads=HEADS, d_ff=FF, norm_first=True))
    with pytest.raises(ValueError, match="post-LN"):
        to_marian(model)


def test_greedy_equals_generate(trained: Transformer) -> None:
    src = sources()
    hf = to_marian(trained)
    ours = greedy_decode(trained, src, max_new_tokens=10)
    theirs = hf.generate(
        input_ids=src,
        attention_mask=(src != PAD).long(),
        generation_config=marian_generation_config(trained, 10),
    )
    assert until_eos(ours) == until_eos(theirs)
    assert len({len(r) for r in until_eos(ours)}) > 2, "outputs should differ in length"


@pytest.mark.parametrize("beam_size", [2, 4])
@pytest.mark.parametrize("length_penalty", [1.0, 0.0, 2.0])
def test_beam_search_equals_generate(trained: Transformer, beam_size: int, length_penalty: float) -> None:
    src = sources()
    hf = to_marian(trained)
    ours = beam_search(trained, src, beam_size, max_new_tokens=10, length_penalty=length_penalty)
    theirs = hf.generate(
        input_ids=src,
        attention_mask=(src != PAD).long(),
        generation_config=marian_generation_config(trained, 10, beam_size, length_penalty),
    )
    assert until_eos(ours) == until_eos(theirs)


def test_beam_search_stops_at_max_new_tokens(trained: Transformer) -> None:
    src = sources()
    hf = to_marian(trained)
    ours = beam_search(trained, src, 3, max_new_tokens=3)
    theirs = hf.generate(
        input_ids=src,
        attention_mask=(src != PAD).long(),
        generation_config=marian_generation_config(trained, 3, 3),
    )
    assert ours.shape[1] <= 4
    assert until_eos(ours) == until_eos(theirs)


def test_beam_size_one_is_greedy(trained: Transformer) -> None:
    src = sources()
    assert until_eos(beam_search(trained, src, 1, 10)) == until_eos(greedy_decode(trained, src, 10))


@pytest.mark.parametrize("beam_size", [1, 3])
def test_cached_and_uncached_decoding_agree(trained: Transformer, beam_size: int) -> None:
    src = sources()
    cached = beam_search(trained, src, beam_size, 10, use_cache=True)
    uncached = beam_search(trained, src, beam_size, 10, use_cache=False)
    assert torch.equal(cached, uncached)
    assert torch.equal(
        greedy_decode(trained, src, 10, use_cache=True), greedy_decode(trained, src, 10, use_cache=False)
    )


def test_beam_search_batch_rows_are_independent(trained: Transformer) -> None:
    src = sources()
    batched = until_eos(beam_search(trained, src, 3, 10))
    alone = [until_eos(beam_search(trained, src[i : i + 1], 3, 10))[0] for i in range(len(src))]
    assert batched == alone


def test_outputs_pad_after_eos(trained: Transformer) -> None:
    out = greedy_decode(trained, sources(), 10)
    for row in out.tolist():
        if EOS in row:
            assert all(t == PAD for t in row[row.index(EOS) + 1 :])
    assert (out[:, 0] == BOS).all()


def test_bad_inputs_raise_clear_errors(trained: Transformer) -> None:
    src = sources()
    with pytest.raises(ValueError, match="beam_size"):
        beam_search(trained, src, beam_size=0)
    with pytest.raises(ValueError, match="max_new_tokens"):
        greedy_decode(trained, src, max_new_tokens=0)
    with pytest.raises(ValueError, match=r"\(batch, seq\)"):
        greedy_decode(trained, src[0])
    with pytest.raises(ValueError, match="outside the vocabulary"):
        trained(torch.tensor([[3, 99]]), torch.tensor([[BOS]]))
    with pytest.raises(ValueError, match="same sequence shifted"):
        trained(src, torch.ones(6, 3, dtype=torch.long), torch.ones(6, 4, dtype=torch.long))
    memory, _ = trained.encode(src)
    with pytest.raises(ValueError, match="memory must be"):
        trained.decoder(torch.ones(2, 3, dtype=torch.long), memory)
    with pytest.raises(ValueError, match="max_len"):
        trained.decoder(torch.ones(6, 65, dtype=torch.long), memory)
    with pytest.raises(ValueError, match="share_embeddings"):
        TransformerConfig(src_vocab_size=10, tgt_vocab_size=12, share_embeddings=True)
    with pytest.raises(ValueError, match="divisible"):
        TransformerConfig(d_model=30, num_heads=4)


def test_cross_attention_weights_are_distributions_over_real_source(trained: Transformer) -> None:
    src = sources()
    tgt = torch.full((6, 3), BOS)
    maps = trained.cross_attention(src, tgt)
    assert len(maps) == 2 and maps[0].shape == (6, HEADS, 3, 7)
    torch.testing.assert_close(maps[-1].sum(-1), torch.ones(6, HEADS, 3))
    assert (maps[-1][3, :, :, 3:] == 0).all()  # row 3 has 3 real source tokens
    assert torch.equal(causal_mask(3), decoder_self_mask(torch.ones(1, 3, dtype=torch.long), 0)[0, 0])
