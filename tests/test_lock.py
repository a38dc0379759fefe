"""One set of versions everywhere: constraints.txt pins every dependency, and make, environment.yml
and binder/ install exactly those pins; a fresh machine gets a one-line answer, not 31 failures."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _lock_module():
    spec = importlib.util.spec_from_file_location("course_lock", ROOT / ".ci" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lock = _lock_module()


def _pins(path: Path) -> dict[str, str]:
    return lock.read_pins(path.read_text(encoding="utf-8"))


def test_constraints_pin_every_installed_dependency():
    """The lock is the closure of pyproject's dependencies as installed in this .venv, exactly."""
    expected = {name: version for name, (_, version) in lock.resolve(lock.direct_requirements()).items()}
    pinned = _pins(ROOT / "constraints.txt")
    missing = sorted(set(expected) - set(pinned))
    extra = sorted(set(pinned) - set(expected))
    differ = sorted(
        f"{n}: installed {expected[n]}, pinned {pinned[n]}"
        for n in set(expected) & set(pinned)
        if expected[n] != pinned[n]
    )
    assert not (missing or extra or differ), (
        f"constraints.txt is out of date (run `make lock`): unpinned {missing}, no longer needed "
        f"{extra}, other versions {differ}"
    )
    # a real lock, not a handful of top-level names: transitive dependencies are there too
    for name in (
        "torch",
        "transformers",
        "nbgrader",
        "jupyterlab",
        "tokenizers",
        "huggingface-hub",
        "accelerate",
        "sacrebleu",
        "peft",
        "scikit-learn",
        "captum",
        "jinja2",
        "tornado",
    ):
        assert name in pinned, f"{name} is not pinned"


def test_pins_satisfy_pyproject():
    pinned = _pins(ROOT / "constraints.txt")
    for requirement in lock.direct_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} from pyproject.toml is not in constraints.txt: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {name}=={pinned[name]}, outside pyproject's {requirement}: run `make lock`"
        )


def test_environment_files_use_the_same_pins():
    pinned = _pins(ROOT / "constraints.txt")
    for path in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        theirs = _pins(path)
        assert theirs == pinned, (
            f"{path.relative_to(ROOT)} differs from constraints.txt: "
            f"{sorted(set(theirs.items()) ^ set(pinned.items()))[:10]} (run `make lock`)"
        )
        text = path.read_text(encoding="utf-8")
        assert ">=" not in text.split("- pip:")[1], f"{path} has an unpinned pip requirement"


def test_lock_check_mode_agrees():
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "lock.py"), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_installs_from_the_lock():
    """`make install` (what every target runs first) passes constraints.txt to pip."""
    result = subprocess.run(["make", "-n", "-B", "install"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    pip_lines = [line for line in result.stdout.splitlines() if "pip install" in line and "-e" in line]
    assert pip_lines and all("-c constraints.txt" in line for line in pip_lines), result.stdout


def test_binder_installs_the_package_without_new_dependencies():
    post_build = (ROOT / "binder" / "postBuild").read_text(encoding="utf-8")
    assert "--no-deps" in post_build, "binder/postBuild must not resolve versions of its own"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"),
    reason="needs root to play an unprivileged user on a machine without the packages",
)
def test_make_test_without_system_packages_stops_with_one_line(tmp_path: Path):
    """A user who cannot install (no root, no sudo) gets one line naming what to install, at once."""
    fake_chromium = tmp_path / "no-chromium"  # as if Chromium were not installed
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NLPCOURSE_CHROMIUM": str(fake_chromium)}
    tmp_path.chmod(0o777)
    result = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "make",
            "--no-print-directory",
            "test",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert len(ours) == 1, result.stdout + result.stderr
    assert "chromium" in ours[0] and "sudo .ci/install-system-packages" in ours[0], ours[0]
    assert "pytest" not in result.stdout + result.stderr, "make went on to the tests"
