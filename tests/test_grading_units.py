"""Fast tests of the grader's parts that need no kernel: score integrity (records, stripping the
expected values, the verdict), the static review, collecting submissions safely, and the sandbox's
limits. The end-to-end attacks are students of tests/test_grading_sandbox.py."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from nlpcourse import check as checks
from nlpcourse.grading.collect import collect, default_regexp, extract
from nlpcourse.grading.integrity import strip_expected, suspicious, verdict
from nlpcourse.grading.outcome import printable
from nlpcourse.grading.sandbox import Cgroup, Limits, Sandbox

CHAPTER = "00_welcome"


@pytest.fixture
def recorded(monkeypatch) -> list[dict]:
    """The records the checks send, as the grader receives them, with recording switched on."""
    import IPython.display

    sent: list[dict] = []
    monkeypatch.setattr(checks, "_RECORDING", True)
    monkeypatch.setattr(
        IPython.display, "publish_display_data", lambda data, *a, **k: sent.append(data[checks.RECORD_MIME])
    )
    return sent


def golden_records(recorded: list[dict], calls) -> list[dict]:  # noqa: ANN001
    recorded.clear()
    calls()
    return list(recorded)


# --- records and verdicts -------------------------------------------------------------------------


def _cell(got_softmax, got_ids, hidden: bool):  # noqa: ANN001
    expected = ... if hidden else torch.softmax(torch.tensor([[1.0, 2.0], [0.0, 0.0]]), dim=-1)
    checks.check_tensor("softmax", got_softmax, expected, atol=1e-4)
    checks.check_equal("ids", got_ids, ... if hidden else [1, 2, 3])
    checks.check_raises("raises", lambda: int("x"), ValueError)


def test_right_answers_match_the_golden_records(recorded):
    right = torch.softmax(torch.tensor([[1.0, 2.0], [0.0, 0.0]]), dim=-1)
    golden = golden_records(recorded, lambda: _cell(right, [1, 2, 3], hidden=False))
    student = golden_records(recorded, lambda: _cell(right + 1e-6, [1, 2, 3], hidden=True))
    assert [r["kind"] for r in golden] == ["tensor", "equal", "raises"]
    assert all("expected" not in r for r in student[:2]), "a hidden expected value reached the record"
    assert verdict(golden, student) is None


@pytest.mark.parametrize("case", ["wrong axis", "subclass", "missing", "extra", "list not tuple", "numpy"])
def test_wrong_or_forged_records_fail(recorded, case):
    right = torch.softmax(torch.tensor([[1.0, 2.0], [0.0, 0.0]]), dim=-1)
    golden = golden_records(recorded, lambda: _cell(right, [1, 2, 3], hidden=False))

    class Sneaky(torch.Tensor):
        pass

    got, ids = right, [1, 2, 3]
    if case == "wrong axis":
        got = torch.softmax(torch.tensor([[1.0, 2.0], [0.0, 0.0]]), dim=0)
    elif case == "subclass":
        got = right.clone().as_subclass(Sneaky)
    elif case == "list not tuple":
        ids = (1, 2, 3)
    elif case == "numpy":
        got = right.numpy()
    student = golden_records(recorded, lambda: _cell(got, ids, hidden=True))
    if case == "missing":
        student = student[:1]
    elif case == "extra":
        student = student + student[:1]
    problem = verdict(golden, student)
    assert problem, case
    if case == "subclass":
        assert "does not compare" in problem and "Sneaky" in problem


def test_accuracy_is_recomputed_by_the_grader(recorded):
    labels = torch.tensor([0, 1, 1, 0])
    golden = golden_records(
        recorded, lambda: checks.check_accuracy("acc", torch.tensor([0, 1, 1, 0]), labels, 0.75)
    )
    good = golden_records(recorded, lambda: checks.check_accuracy("acc", [0, 1, 0, 0], ..., ...))
    bad = golden_records(recorded, lambda: checks.check_accuracy("acc", [1, 0, 0, 0], ..., ...))
    assert verdict(golden, good) is None
    assert "accuracy" in verdict(golden, bad)


def test_plain_values_round_trip():
    values = [
        None,
        True,
        3,
        2**70,
        -0.5,
        float("nan"),
        "ü",
        b"\x00",
        [1, (2, 3)],
        {"a": [1.5]},
        np.float32(1.5),
        np.array([[1, 2]], dtype=np.int16),
        torch.tensor([1.0, 2.0], dtype=torch.bfloat16),
    ]
    for value in values:
        back = checks.decode(checks._encode(value))
        if isinstance(value, torch.Tensor):
            assert back.dtype == value.dtype and torch.equal(back, value)
        elif isinstance(value, np.ndarray):
            assert back.dtype == value.dtype and np.array_equal(back, value)
        elif isinstance(value, float) and value != value:
            assert back != back
        else:
            assert type(back) is type(value) and back == value, (value, back)


def test_strip_expected_keeps_comments_and_delimiters():
    source = (
        'check_tensor("a", f(2, 3), torch.tensor([[0.0, 1.0],\n'
        "    [2.0, 3.0]]), atol=1e-3)  # é, a comment\n"
        "### BEGIN HIDDEN TESTS\n"
        'check_accuracy("acc", preds, labels=torch.tensor([1]), minimum=0.8)\n'
        'nlpcourse.check.check_equal("b", g(), [1, 2])\n'
        "### END HIDDEN TESTS\n"
    )
    stripped = strip_expected(source)
    assert stripped == (
        'check_tensor("a", f(2, 3), ..., atol=1e-3)  # é, a comment\n'
        "### BEGIN HIDDEN TESTS\n"
        'check_accuracy("acc", preds, labels=..., minimum=...)\n'
        'nlpcourse.check.check_equal("b", g(), ...)\n'
        "### END HIDDEN TESTS\n"
    )


def test_every_chapter_check_cell_strips_to_valid_python():
    import ast

    from nlpcourse.grading.gradebook import is_check

    for path in sorted(Path(__file__).resolve().parents[1].glob("solutions/*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_check(cell):
                stripped = strip_expected(cell.source)
                ast.parse(stripped)
                if "check_tensor(" in cell.source:
                    assert "..." in stripped, (path.name, cell.metadata.nbgrader["grade_id"])


# --- static review --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "flag"),
    [
        ("import sys\nsys.modules['nlpcourse.check'] = 1", "sys.modules"),
        ("get_ipython().input_transformers_post.append(f)", "input transformers"),
        ("get_ipython().ast_transformers.append(f)", "AST transformers"),
        ("get_ipython().set_custom_exc((Exception,), h)", "set_custom_exc"),
        ("import sys\nf = sys._getframe(1).f_locals", "frames"),
        ("import nlpcourse.check as c\nc.check_tensor = f", "nlpcourse.check"),
        ("import torch\ntorch.isclose = f", "patches torch.isclose"),
        ("import gc", "gc"),
        ("import ctypes", "ctypes"),
        ("class A:\n    def __del__(self):\n        pass", "finalizers"),
        ("%time exec('x = 1')", "exec()"),
    ],
)
def test_suspicious_code_is_flagged(source, flag):
    assert flag in suspicious([source])


def test_ordinary_code_is_not_flagged():
    source = (
        "import torch\nx = torch.stack([torch.ones(2)]).softmax(-1)\nfor m in model.modules():\n"
        "    pass\nimport numpy as np\n"
    )
    assert suspicious([source]) == []


# --- collecting -----------------------------------------------------------------------------------


def _nb() -> str:
    return nbformat.writes(nbformat.v4.new_notebook())


def test_lms_names_are_read_on_the_base_name_from_the_first_attempt(tmp_path):
    folder = tmp_path / "download"
    folder.mkdir()
    stamp = "2024-12-30-10-00-00"
    (folder / f"{CHAPTER}_bob_attempt_{stamp}_{CHAPTER}.ipynb").write_text(_nb())
    claim = f"x_bob_attempt_2024-12-31-23-59-00_{CHAPTER}.ipynb"
    (folder / f"{CHAPTER}_mallory_attempt_{stamp}_{claim}").write_text(_nb())
    (folder / f"{CHAPTER}_first_last_attempt_{stamp}_{CHAPTER}.ipynb").write_text(_nb())
    subs = {s.student: s for s in collect(folder, CHAPTER, tmp_path / "work")}
    assert set(subs) == {"bob", "mallory", "first_last"}
    assert subs["bob"].notebook.name.startswith(f"{CHAPTER}_bob_") and subs["bob"].timestamp.day == 30
    assert "no 00_welcome.ipynb" in subs["mallory"].problem
    import re

    match = re.match(default_regexp(CHAPTER), f"{CHAPTER}_x_y_attempt_{stamp}_a_b.ipynb")
    assert match.group("student_id") == "x_y"


def test_a_folder_of_student_folders_is_never_an_lms_download(tmp_path):
    for name in ("ann", "ben", "cy"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / f"{CHAPTER}.ipynb").write_text(_nb())
    (tmp_path / "class" / f"{CHAPTER}_x_attempt_2024-12-31-23-59-00_{CHAPTER}.ipynb").write_text(_nb())
    subs = collect(tmp_path / "class", CHAPTER, tmp_path / "work")
    assert [(s.student, s.problem) for s in subs] == [("ann", ""), ("ben", ""), ("cy", "")]


def test_links_special_files_and_bad_ids_are_refused(tmp_path):
    root = tmp_path / "class"
    for name in ("ok", "link", "fifo", "+1+2", "b\u043eb", "x\x1b[2J"):
        (root / name).mkdir(parents=True)
    (root / "ok" / f"{CHAPTER}.ipynb").write_text(_nb())
    (root / "link" / f"{CHAPTER}.ipynb").symlink_to(root / "ok" / f"{CHAPTER}.ipynb")
    (root / "fifo" / f"{CHAPTER}.ipynb").write_text(_nb())
    os.mkfifo(root / "fifo" / "pipe")
    for name in ("+1+2", "b\u043eb", "x\x1b[2J"):
        (root / name / f"{CHAPTER}.ipynb").write_text(_nb())
    subs = {s.student: s for s in collect(root, CHAPTER, tmp_path / "work")}
    assert subs["ok"].problem == ""
    assert "symbolic link" in subs["link"].problem and subs["link"].rejected
    assert "FIFO" in subs["fifo"].problem and subs["fifo"].rejected
    for name in ("+1+2", "b\u043eb", "x\x1b[2J"):
        assert subs[name].problem.startswith("invalid student id") and subs[name].rejected
    assert "\x1b" not in printable("x\x1b[2J") and printable("x\x1b[2J") == "x\\x1b[2J"


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            z.writestr(info, data)
    return out.getvalue()


def test_archives_are_extracted_as_contents_only(tmp_path):
    setuid = zipfile.ZipInfo(f"{CHAPTER}.ipynb")
    setuid.external_attr = (stat.S_IFREG | stat.S_ISUID | 0o755) << 16
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = tmp_path / "class.zip"
    archive.write_bytes(
        _zip(
            [
                ("a_attempt.zip", _zip([(setuid, b"binary")])),
                ("b_traversal.zip", _zip([("../../escape.txt", b"x")])),
                ("c_link.zip", _zip([(link, b"/etc/shadow")])),
                ("d_bomb.zip", _zip([("zeros", b"\0" * (8 * 2**20))])),
            ]
        )
    )
    refused = extract(archive, tmp_path / "out", limit=4 * 2**20)
    mode = (tmp_path / "out" / "a_attempt.zip.contents" / f"{CHAPTER}.ipynb").stat().st_mode
    assert not mode & (stat.S_ISUID | 0o111)
    reasons = {path.name: why for path, why in refused.items()}
    assert "unsafe path" in reasons["b_traversal.zip"]
    assert "symbolic link" in reasons["c_link.zip"]
    assert "MiB limit" in reasons["d_bomb.zip"]
    assert not (tmp_path / "escape.txt").exists()


# --- the sandbox ------------------------------------------------------------------------------------


def test_process_limit_also_without_root():
    args = Sandbox(limits=Limits(processes=50), uid=None).prlimit_args()
    nproc = [a for a in args if a.startswith("--nproc=")]
    assert nproc, args
    assert int(nproc[0].split("=")[1].split(":")[0]) >= 50


@pytest.mark.skipif(Cgroup.available() != "", reason=f"no cgroups here: {Cgroup.available()}")
def test_cgroup_limits_memory_including_memfd(tmp_path):
    group = Cgroup(f"unit-{os.getpid()}", 256 * 2**20, 32)
    group.create()
    try:
        code = (
            "import os\nfd = os.memfd_create('x')\nos.ftruncate(fd, 512 * 2**20)\n"
            "f = open(fd, 'wb', closefd=False)\nfor _ in range(512): f.write(b'x' * 2**20)\n"
            "print('done')"
        )
        process = subprocess.Popen(
            [*group.enter_command(), sys.executable, "-c", code], stdout=subprocess.PIPE
        )
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            assert group.at_memory_limit(), "stuck, but not at the cgroup's memory limit"
            group.kill()
            process.wait(timeout=20)
        assert process.stdout.read() != b"done\n", "512 MiB of memfd fitted in a 256 MiB cgroup"
    finally:
        group.remove()
    assert not any(path.exists() for path in group.paths.values())


def test_the_worker_knows_the_record_type_without_importing_the_checks():
    from nlpcourse.grading.execute import RECORD_MIME

    assert RECORD_MIME == checks.RECORD_MIME
    # a grading worker imports what runs a kernel: not torch, not the grader's side
    code = (
        "import sys, nlpcourse.grading.execute\n"
        "print(sorted(m for m in ('torch', 'nlpcourse.grading.runner', 'nlpcourse.grading.feedback')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_feedback_pictures_without_alt_text_get_nbconverts_placeholder():
    from nlpcourse.grading.feedback import IMG_WITHOUT_ALT, NO_ALT

    page = '<img src="data:image/png;base64,AA=="/>\n<IMG alt="a plot" src="x.png">\n<imgx>\n<img\nsrc="y">'
    done = IMG_WITHOUT_ALT.sub(lambda match: match.group(0) + NO_ALT, page)
    assert done.count(NO_ALT) == 2
    assert '<img alt="No description has been provided for this image" src="data:' in done
    assert '<IMG alt="a plot" src="x.png">' in done and "<imgx>" in done


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("bwrap") is None, reason="needs root and bubblewrap")
def test_kernels_find_the_probes_font_list_instead_of_scanning_fonts(tmp_path):
    from nlpcourse.grading.sandbox import fresh_uid

    fonts = Sandbox(uid=fresh_uid()).probe(tmp_path)
    assert fonts is not None and Path(fonts).name.startswith("fontlist-")
    assert Path(fonts).stat().st_uid == 0 and not Path(fonts).stat().st_mode & 0o022
    sandbox = Sandbox(uid=fresh_uid(), fonts=fonts)
    run = tmp_path / "run"
    run.mkdir()
    sandbox.give(run)
    code = (
        "import os\nfrom matplotlib import font_manager\n"
        "print(len(font_manager.fontManager.ttflist) > 0)\n"
        f"path = os.path.join(os.environ['MPLCONFIGDIR'], {Path(fonts).name!r})\n"
        "try:\n    open(path, 'a').close()\nexcept OSError:\n    print('read-only')\n"
        "print(os.access(os.environ['MPLCONFIGDIR'], os.W_OK))"
    )
    result = subprocess.run(
        sandbox.wrap([sys.executable, "-c", code], CHAPTER, [], run),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.split() == ["True", "read-only", "True"], result.stderr[-2000:]
    assert "building the font cache" not in result.stderr, result.stderr[-2000:]


def test_every_private_name_the_grader_relies_on_exists_in_the_pinned_versions(monkeypatch):
    """nlpcourse.grading.compat lists what the grader reaches into; an upgrade that moves one
    fails here. The same ranges are pinned in pyproject.toml."""
    import tomllib
    from packaging.requirements import Requirement

    from nlpcourse.grading import compat

    assert compat.missing() == []
    declared = {
        Requirement(r).name.replace("-", "_"): str(Requirement(r).specifier)
        for r in tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
    }
    for package, spec in compat.RANGES.items():
        assert package in declared and set(declared[package].split(",")) == set(spec.split(",")), (
            f"pyproject.toml pins {package}{declared.get(package)}, compat.RANGES says {spec}"
        )
    # the check can fail: a name that is gone, an attribute no longer set, a version outside its range
    monkeypatch.setattr(
        compat,
        "PRIVATE",
        [
            ("nbclient.client", "NotebookClient", "_gone"),
            ("jupyter_client.provisioning.local_provisioner", "LocalProvisioner", "_processes"),
        ],
    )
    monkeypatch.setattr(compat, "RANGES", {"nbclient": "<0.1"})
    problems = compat.missing()
    assert len(problems) == 3 and "nbclient" in problems[0] and "_gone" in problems[1], problems


def test_compat_reaches_the_kernel_process_and_pool_workers():
    from concurrent.futures import ProcessPoolExecutor

    from nlpcourse.grading import compat

    class Provisioner:
        process = object()

    class Manager:
        provisioner = Provisioner()

    assert compat.kernel_process(Manager()) is Provisioner.process
    assert compat.kernel_process(object()) is None
    assert compat.pool_processes(None) == []
    with ProcessPoolExecutor(max_workers=1) as pool:
        assert pool.submit(abs, -3).result() == 3
        processes = compat.pool_processes(pool)
        assert len(processes) == 1 and processes[0].is_alive()


def test_feedback_pages_write_non_ascii_characters_and_keep_markup_escaped():
    from nlpcourse.grading.feedback import ENTITY, _character

    page = "<h1>00 &#183; &#27426;&#36814;</h1><p>&#60;script&#62; &amp;#27426; &#38;#27426; &#55357;</p>"
    assert ENTITY.sub(_character, page) == (
        "<h1>00 · 欢迎</h1><p>&#60;script&#62; &amp;#27426; &#38;#27426; &#55357;</p>"
    )
