"""Data parallelism: 2 processes under torchrun (gloo) train exactly as one process on the global batch."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from nlpcourse.distributed import training_memory_gb
from nlpcourse.distributed.ddp import main, train_single


def test_two_processes_equal_one(tmp_path):
    steps = 4
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "nlpcourse.distributed.ddp",
            "--steps",
            str(steps),
            "--global-batch",
            "8",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    parallel = torch.load(tmp_path / "result.pt", weights_only=True)
    assert parallel["world_size"] == 2
    losses, state = train_single(steps, global_batch=8)
    assert len(parallel["losses"]) == steps
    torch.testing.assert_close(
        torch.tensor(parallel["losses"]), torch.tensor(losses), atol=1e-6, rtol=0, check_dtype=False
    )
    assert losses[-1] < losses[0]
    assert state.keys() == parallel["state"].keys()
    for key, value in state.items():
        torch.testing.assert_close(parallel["state"][key], value, atol=1e-6, rtol=0, msg=key)


def test_main_outside_torchrun_says_how_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    with pytest.raises(SystemExit, match="torchrun"):
        main(["--out", str(tmp_path)])


def test_zero_memory_matches_the_paper():
    # Rajbhandari et al. 2020, figure 1: 7.5B parameters on 64 devices
    assert training_memory_gb(7.5e9) == pytest.approx(120)
    assert training_memory_gb(7.5e9, 64, zero_stage=1) == pytest.approx(31.4, abs=0.05)
    assert training_memory_gb(7.5e9, 64, zero_stage=2) == pytest.approx(16.6, abs=0.05)
    assert training_memory_gb(7.5e9, 64, zero_stage=3) == pytest.approx(1.875)
    assert training_memory_gb(7.5e9, tensor_parallel=8, pipeline_parallel=2) == pytest.approx(120 / 16)
    with pytest.raises(ValueError):
        training_memory_gb(1e9, zero_stage=4)
