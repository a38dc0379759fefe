"""Tests for nlpcourse.transformer: equivalence with torch on tiny configs, shapes and errors."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nlpcourse.transformer import (
    Encoder,
    EncoderConfig,
    EncoderLayer,
    MultiHeadAttention,
    PositionalEncoding,
    ReversalModel,
    causal_mask,
    merge_heads,
    padding_mask,
    reversal_accuracy,
    reversal_batch,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
    split_heads,
    train_reversal,
)

BATCH, SEQ, D_MODEL, HEADS = 3, 7, 32, 4
ATOL = 1e-5


def lengths_mask() -> torch.Tensor:
    """(BATCH, 1, 1, SEQ) keep-mask for lengths 7, 4, 1."""
    return padding_mask(torch.tensor([SEQ, 4, 1]), seq_len=SEQ)


# --- scaled dot-product attention -------------------------------------------------------------


@pytest.mark.parametrize("mask_kind", ["none", "bool", "causal", "padding_broadcast", "per_head_broadcast"])
def test_sdpa_matches_torch(mask_kind: str) -> None:
    q = torch.randn(BATCH, HEADS, 5, 8)
    k = torch.randn(BATCH, HEADS, SEQ, 8)
    v = torch.randn(BATCH, HEADS, SEQ, 6)
    mask = {
        "none": None,
        "bool": torch.rand(BATCH, HEADS, 5, SEQ) > 0.3,
        "causal": causal_mask(SEQ)[:5],  # (seq_q, seq_k), broadcast over batch and heads
        "padding_broadcast": lengths_mask(),  # (batch, 1, 1, seq_k)
        "per_head_broadcast": torch.rand(1, HEADS, 5, SEQ) > 0.3,  # broadcast over batch
    }[mask_kind]
    if mask is not None:
        mask = mask | torch.eye(5, SEQ, dtype=torch.bool)  # no fully masked rows here
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert out.shape == (BATCH, HEADS, 5, 6)
    assert weights.shape == (BATCH, HEADS, 5, SEQ)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(BATCH, HEADS, 5), atol=ATOL, rtol=0)
    if mask is not None:
        assert (weights[~mask.expand_as(weights)] == 0).all()


def test_sdpa_causal_matches_is_causal() -> None:
    q, k, v = torch.randn(3, 2, BATCH, SEQ, 8).unbind(0)
    out, weights = scaled_dot_product_attention(q, k, v, causal_mask(SEQ))
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, is_causal=True))
    assert torch.equal(weights.triu(1), torch.zeros_like(weights))


def test_sdpa_formula_by_hand() -> None:
    q, k, v = torch.randn(3, 4, 8).unbind(0)
    weights = torch.softmax(q @ k.T / math.sqrt(8), dim=-1)
    out, w = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(w, weights)
    torch.testing.assert_close(out, weights @ v)


def test_fully_masked_rows_give_zeros_not_nan() -> None:
    q = torch.randn(2, 4, 8, requires_grad=True)
    k, v = torch.randn(2, 2, 5, 8).unbind(0)
    mask = torch.ones(2, 4, 5, dtype=torch.bool)
    mask[0, 1] = False  # query 1 of batch 0 sees no key
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert not out.isnan().any() and not weights.isnan().any()
    assert (out[0, 1] == 0).all() and (weights[0, 1] == 0).all()
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    out.sum().backward()
    assert not q.grad.isnan().any()


def test_fully_masked_rows_in_both_multihead_paths() -> None:
    mha = MultiHeadAttention(D_MODEL, HEADS)
    x = torch.randn(BATCH, SEQ, D_MODEL)
    mask = padding_mask(torch.tensor([SEQ, 0, 2]), seq_len=SEQ)  # batch 1 is all padding
    slow, _ = mha(x, mask=mask, need_weights=True)
    fast, _ = mha(x, mask=mask, need_weights=False)
    assert not slow.isnan().any()
    torch.testing.assert_close(slow, fast, atol=ATOL, rtol=0)


@pytest.mark.parametrize(
    ("q_shape", "k_shape", "v_shape", "match"),
    [
        ((2, 5, 8), (2, 6, 4), (2, 6, 8), "same last dim d_k"),
        ((2, 5, 8), (2, 6, 8), (2, 7, 8), "same number of positions seq_k"),
        ((8,), (6, 8), (6, 8), "at least 2 dims"),
        ((2, 5, 8), (3, 6, 8), (3, 6, 8), "do not broadcast"),
    ],
)
def test_sdpa_bad_shapes(q_shape, k_shape, v_shape, match) -> None:
    with pytest.raises(ValueError, match=match):
        scaled_dot_product_attention(torch.randn(q_shape), torch.randn(k_shape), torch.randn(v_shape))


def test_sdpa_bad_masks() -> None:
    q, k, v = torch.randn(3, 2, 5, 8).unbind(0)
    with pytest.raises(ValueError, match=r"does not broadcast to the attention scores"):
        scaled_dot_product_attention(q, k, v, torch.ones(5, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match=r"dtype torch.bool .* mask.bool\(\)"):
        scaled_dot_product_attention(q, k, v, torch.ones(5, 5))
    mha = MultiHeadAttention(D_MODEL, HEADS)
    with pytest.raises(ValueError, match="does not broadcast"):
        mha(
            torch.randn(2, 5, D_MODEL),
            mask=torch.ones(3, 1, 1, 5, dtype=torch.bool),
            need_weights=False,
        )


# --- masks --------------------------------------------------------------------------------------


def test_padding_mask_from_tokens_and_lengths() -> None:
    tokens = torch.tensor([[5, 6, 7], [5, 0, 0]])
    from_tokens = padding_mask(tokens, pad_id=0)
    from_lengths = padding_mask([3, 1])
    assert from_tokens.shape == (2, 1, 1, 3) and from_tokens.dtype == torch.bool
    assert torch.equal(from_tokens, from_lengths)
    assert from_tokens[1, 0, 0].tolist() == [True, False, False]
    assert padding_mask([2, 1], seq_len=4)[0, 0, 0].tolist() == [True, True, False, False]
    with pytest.raises(ValueError, match="pass pad_id"):
        padding_mask(tokens)
    with pytest.raises(ValueError, match="shorter than the longest"):
        padding_mask([3, 1], seq_len=2)


def test_causal_mask() -> None:
    mask = causal_mask(4)
    assert mask.dtype == torch.bool and mask.shape == (4, 4)
    assert mask.tolist()[1] == [True, True, False, False]
    assert torch.equal(mask, ~torch.ones(4, 4, dtype=torch.bool).triu(1))


# --- multi-head attention -----------------------------------------------------------------------


def test_split_merge_round_trip() -> None:
    x = torch.randn(BATCH, SEQ, D_MODEL)
    heads = split_heads(x, HEADS)
    assert heads.shape == (BATCH, HEADS, SEQ, D_MODEL // HEADS)
    torch.testing.assert_close(heads[:, 1], x[..., 8:16])  # head 1 = feature block 1
    assert torch.equal(merge_heads(heads), x)
    with pytest.raises(ValueError, match="not divisible by num_heads=5"):
        split_heads(x, 5)
    with pytest.raises(ValueError, match=r"expects \(batch, seq, d_model\)"):
        split_heads(x[0], HEADS)


def torch_and_ours(bias: bool = True) -> tuple[nn.MultiheadAttention, MultiHeadAttention]:
    ref = nn.MultiheadAttention(D_MODEL, HEADS, batch_first=True, bias=bias)
    if bias:  # torch initialises in_proj_bias to zeros; make the bias copy visible
        nn.init.normal_(ref.in_proj_bias)
        nn.init.normal_(ref.out_proj.bias)
    return ref, MultiHeadAttention.from_torch(ref)


@pytest.mark.parametrize("mask_kind", ["none", "padding", "causal", "both"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_matches_torch_self_attention(mask_kind: str, need_weights: bool) -> None:
    ref, ours = torch_and_ours()
    x = torch.randn(BATCH, SEQ, D_MODEL)
    keep = lengths_mask()
    key_padding_mask = ~keep[:, 0, 0, :] if mask_kind in ("padding", "both") else None  # True=pad
    attn_mask = ~causal_mask(SEQ) if mask_kind in ("causal", "both") else None  # True=hide
    mask = {
        "none": None,
        "padding": keep,
        "causal": causal_mask(SEQ),
        "both": keep & causal_mask(SEQ),
    }[mask_kind]
    expected, expected_w = ref(
        x,
        x,
        x,
        key_padding_mask=key_padding_mask,
        attn_mask=attn_mask,
        need_weights=True,
        average_attn_weights=True,
    )
    out, weights = ours(x, mask=mask, need_weights=need_weights)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)
    if need_weights:
        assert weights.shape == (BATCH, HEADS, SEQ, SEQ)
        torch.testing.assert_close(weights.mean(dim=1), expected_w, atol=ATOL, rtol=0)
        _, per_head = ref(
            x,
            x,
            x,
            key_padding_mask=key_padding_mask,
            attn_mask=attn_mask,
            average_attn_weights=False,
        )
        torch.testing.assert_close(weights, per_head, atol=ATOL, rtol=0)
    else:
        assert weights is None


def test_multihead_matches_torch_cross_attention_without_bias() -> None:
    ref, ours = torch_and_ours(bias=False)
    query, memory = torch.randn(BATCH, 5, D_MODEL), torch.randn(BATCH, SEQ, D_MODEL)
    expected, _ = ref(query, memory, memory, key_padding_mask=~lengths_mask()[:, 0, 0, :])
    for need_weights in (True, False):
        out, _ = ours(query, memory, mask=lengths_mask(), need_weights=need_weights)
        assert out.shape == (BATCH, 5, D_MODEL)
        torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)


def test_multihead_bad_inputs() -> None:
    mha = MultiHeadAttention(D_MODEL, HEADS)
    with pytest.raises(ValueError, match=r"query must be \(batch, seq, d_model=32\)"):
        mha(torch.randn(SEQ, D_MODEL))
    with pytest.raises(ValueError, match="must share"):
        mha(torch.randn(2, 5, D_MODEL), torch.randn(2, 6, D_MODEL), torch.randn(2, 7, D_MODEL))
    with pytest.raises(ValueError, match="not divisible"):
        MultiHeadAttention(30, 4)


def test_multihead_gradients_flow_in_both_paths() -> None:
    mha = MultiHeadAttention(D_MODEL, HEADS, dropout=0.1)
    x = torch.randn(BATCH, SEQ, D_MODEL, requires_grad=True)
    for need_weights in (True, False):
        mha.zero_grad()
        x.grad = None
        out, _ = mha(x, mask=lengths_mask(), need_weights=need_weights)
        out.pow(2).sum().backward()
        assert x.grad is not None and x.grad.abs().sum() > 0
        assert all(p.grad is not None and p.grad.isfinite().all() for p in mha.parameters())


# --- positional encoding ------------------------------------------------------------------------


def test_positional_encoding_by_hand() -> None:
    pe = sinusoidal_positional_encoding(50, 16)
    assert pe.shape == (50, 16) and pe.dtype == torch.float32
    assert pe[0, 0::2].abs().max() == 0 and (pe[0, 1::2] == 1).all()
    assert pe[1, 0].item() == pytest.approx(math.sin(1.0), abs=1e-6)
    assert pe[1, 1].item() == pytest.approx(math.cos(1.0), abs=1e-6)
    for pos, i in [(3, 1), (17, 4), (49, 7)]:
        angle = pos / 10000 ** (2 * i / 16)
        assert pe[pos, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
        assert pe[pos, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)


def test_positional_encoding_odd_width_and_module() -> None:
    odd = sinusoidal_positional_encoding(10, 5)
    assert odd.shape == (10, 5)
    assert odd[2, 3].item() == pytest.approx(math.cos(2 / 10000 ** (2 / 5)), abs=1e-6)
    assert odd[2, 4].item() == pytest.approx(math.sin(2 / 10000 ** (4 / 5)), abs=1e-6)
    module = PositionalEncoding(D_MODEL, max_len=SEQ)
    x = torch.randn(BATCH, SEQ, D_MODEL)
    torch.testing.assert_close(module(x), x + sinusoidal_positional_encoding(SEQ, D_MODEL))
    assert "pe" not in module.state_dict()
    with pytest.raises(ValueError, match=f"exceeds max_len={SEQ}: build the model with max_len"):
        module(torch.randn(1, SEQ + 1, D_MODEL))


# --- encoder ------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_matches_torch(norm_first: bool, activation: str) -> None:
    ref = nn.TransformerEncoderLayer(
        D_MODEL,
        HEADS,
        dim_feedforward=64,
        dropout=0.0,
        activation=activation,
        batch_first=True,
        norm_first=norm_first,
    )
    for norm in (ref.norm1, ref.norm2):  # non-trivial LayerNorm parameters
        nn.init.normal_(norm.weight)
        nn.init.normal_(norm.bias)
    ours = EncoderLayer.from_torch(ref)
    x = torch.randn(BATCH, SEQ, D_MODEL)
    keep = lengths_mask()
    # Train mode with dropout 0 keeps torch on its reference (non-fused) path: well defined for
    # every position. In eval + no_grad torch may use a fused kernel, compared below for no mask.
    ref.train()
    ours.train()
    expected = ref(x, src_key_padding_mask=~keep[:, 0, 0, :])  # torch: True = padding
    out = ours(x, mask=keep, need_weights=True)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)
    assert ours.last_attention.shape == (BATCH, HEADS, SEQ, SEQ)
    torch.testing.assert_close(ours(x, mask=keep), out, atol=ATOL, rtol=0)  # fast path
    assert ours.last_attention is None
    ref.eval()
    ours.eval()
    with torch.no_grad():
        torch.testing.assert_close(ours(x), ref(x), atol=ATOL, rtol=0)


def test_encoder_attention_maps_and_backward() -> None:
    config = EncoderConfig(
        vocab_size=11,
        d_model=D_MODEL,
        num_heads=HEADS,
        d_ff=64,
        num_layers=2,
        max_len=16,
        norm_first=True,
        activation="gelu",
    )
    encoder = Encoder(config)
    tokens = torch.tensor([[3, 4, 5, 6, 0], [7, 8, 0, 0, 0]])
    with pytest.raises(RuntimeError, match="need_weights=True"):
        encoder.attention_maps()
    hidden = encoder(tokens, mask=padding_mask(tokens, pad_id=0), need_weights=True)
    assert hidden.shape == (2, 5, D_MODEL)
    maps = encoder.attention_maps()
    assert len(maps) == 2 and maps[0].shape == (2, HEADS, 5, 5)
    assert (maps[1][1, :, :, 2:] == 0).all()  # padding keys get no attention
    hidden.sum().backward()
    assert encoder.embed.weight.grad is not None
    with pytest.raises(ValueError, match="integer ids of shape"):
        encoder(tokens.float())
    with pytest.raises(ValueError, match="not divisible"):
        EncoderConfig(d_model=30, num_heads=4)
    with pytest.raises(ValueError, match="activation must be one of"):
        EncoderConfig(activation="tanh")


# --- reversal task ------------------------------------------------------------------------------


def test_reversal_batch() -> None:
    inputs, targets = reversal_batch(4, 6, 10, torch.Generator().manual_seed(0))
    assert inputs.shape == targets.shape == (4, 6)
    assert torch.equal(targets, inputs.flip(1))
    assert inputs.min() >= 1 and inputs.max() < 10


def test_reversal_model_learns() -> None:
    model = ReversalModel(EncoderConfig(vocab_size=16, d_model=32, num_heads=2, d_ff=64, num_layers=2))
    logits, loss = model(*reversal_batch(2, 8, 16))
    assert logits.shape == (2, 8, 16) and loss.ndim == 0
    assert model(reversal_batch(2, 8, 16)[0])[1] is None
    history = train_reversal(model, steps=150, batch_size=32, seq_len=8, seed=0, progress=False)
    losses = history["loss"]
    assert set(history) == {"loss"} and len(losses) == 150
    assert sum(losses[-10:]) / 10 < losses[0] / 2
    assert reversal_accuracy(model, batch_size=256) > 0.5
