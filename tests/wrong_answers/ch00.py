"""Wrong answers for chapter 00_welcome: each must make its check cell fail with words."""

CHAPTER = "00_welcome"

WRONG: dict[str, list[str]] = {
    "make_grid": [
        # int64 instead of float32
        "def make_grid(rows, cols):\n    return torch.arange(rows * cols).reshape(rows, cols)",
        # column-major order
        "def make_grid(rows, cols):\n"
        "    return torch.arange(rows * cols, dtype=torch.float32).reshape(cols, rows).T",
        # a list, not a tensor
        "def make_grid(rows, cols):\n"
        "    return [[float(i * cols + j) for j in range(cols)] for i in range(rows)]",
    ],
    "normalize_rows": [
        # divides by column sums
        "def normalize_rows(x):\n    return x / x.sum(dim=0, keepdim=True)",
        # divides by the total
        "def normalize_rows(x):\n    return x / x.sum()",
        # divides by the row maximum
        "def normalize_rows(x):\n    return x / x.max(dim=1, keepdim=True).values",
    ],
    "softmax": [
        # unstable: overflows on [1000, 1001]
        "def softmax(x):\n    return x.exp() / x.exp().sum(dim=-1, keepdim=True)",
        # normalises over the first dimension
        "def softmax(x):\n    e = (x - x.max()).exp()\n    return e / e.sum(dim=0, keepdim=True)",
        # forgets the exponential
        "def softmax(x):\n    return x / x.sum(dim=-1, keepdim=True)",
        # calls torch's implementation instead of writing it
        "def softmax(x):\n    return torch.nn.functional.softmax(x, dim=-1)",
    ],
    "one_hot": [
        # int64 result
        "def one_hot(ids, vocab_size):\n    return torch.nn.functional.one_hot(ids, vocab_size)",
        # no validation: index error instead of ValueError
        "def one_hot(ids, vocab_size):\n    return torch.eye(vocab_size)[ids]",
        # transposed
        "def one_hot(ids, vocab_size):\n"
        "    if (ids < 0).any() or (ids >= vocab_size).any():\n"
        "        raise ValueError('bad id')\n"
        "    return torch.eye(vocab_size)[ids].T",
    ],
}

# Wrong answers (indices into WRONG) that the visible checks alone must reject.
VISIBLE: dict[str, list[int]] = {
    "make_grid": [0, 1, 2],
    "normalize_rows": [0, 1, 2],
    "softmax": [0, 1, 2],
    "one_hot": [0, 1, 2],
}
