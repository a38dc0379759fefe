"""A class on JupyterHub, end to end, on localhost.

A real JupyterHub (PAM login of local users, LocalProcessSpawner, configurable-http-proxy from npm)
with nbgrader's exchange in a temporary folder:

1. the instructor (a local user) releases chapter 00 to the exchange (``nbgrader release_assignment``);
2. two students log in through the browser (Chromium), open *Nbgrader -> Assignment List*, press
   *Fetch*; one solves the exercises (from the solutions), the other hands in the blank release;
   each presses *Submit*;
3. the instructor collects (``nbgrader collect``), grades with ``nlpcourse grade`` and releases the
   feedback (``nbgrader release_feedback``);
4. a student presses *Fetch Feedback* in the browser and finds the feedback page in their home.

It needs root (to create the users and to let the hub spawn servers as them), Chromium and
configurable-http-proxy (``.ci/install-system-packages`` installs both). Bounded in time: every
wait has a deadline, and the hub, proxy and servers are stopped whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHAPTER = "00_welcome"
CHROMIUM = Path("/usr/bin/chromium")
INSTRUCTOR, STUDENTS = "nlpc-teacher", ("nlpc-ada", "nlpc-ben")
PASSWORD = "course-" + secrets.token_hex(6)


def _need(condition: bool, message: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {message}", pytrace=False)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as(user: str, *command: str, cwd: Path, env: dict[str, str], timeout: int = 300):
    """Run a command as a local user, with the environment of their hub server."""
    result = subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{' '.join(command)} as {user}:\n{result.stdout}\n{result.stderr}"
    return result


def _ensure_user(name: str) -> Path:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
    subprocess.run(["chpasswd"], input=f"{name}:{PASSWORD}\n", text=True, check=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    for child in home.iterdir():  # a fresh home for each run
        if child.name not in {".bashrc", ".profile", ".bash_logout"}:
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    return home


@contextlib.contextmanager
def _reachable_by_all(*paths: Path) -> Iterator[None]:
    """Let other users traverse the folders above ``paths`` (search permission only) for the test.

    The interpreter may live under root's home (e.g. pyenv in /root): the students' servers run as
    other users and must reach it. Each folder's mode is restored afterwards.
    """
    changed: list[tuple[Path, int]] = []
    try:
        for path in paths:
            for folder in [path, *path.parents]:
                mode = folder.stat().st_mode
                if folder.is_dir() and not mode & 0o001:
                    changed.append((folder, mode))
                    folder.chmod(mode | 0o001)
        yield
    finally:
        for folder, mode in reversed(changed):
            folder.chmod(mode & 0o7777)


@pytest.fixture(scope="module")
def hub_env() -> Iterator[dict]:
    _need(hasattr(os, "geteuid") and os.geteuid() == 0, "the JupyterHub test runs as root (it creates users)")
    _need(
        shutil.which("configurable-http-proxy") is not None,
        "configurable-http-proxy not found: run .ci/install-system-packages",
    )
    _need(CHROMIUM.exists(), f"{CHROMIUM} not found: run .ci/install-system-packages")
    _need((BIN / "jupyterhub").exists(), "jupyterhub is not installed: pip install -e '.[dev,hub]'")
    base = Path(tempfile.mkdtemp(prefix="nlpcourse-hub-", dir="/tmp"))
    base.chmod(0o755)
    reachable = _reachable_by_all(Path(os.path.realpath(sys.executable)).parent, ROOT)
    reachable.__enter__()
    try:
        homes = {user: _ensure_user(user) for user in (INSTRUCTOR, *STUDENTS)}
        exchange = base / "exchange"
        exchange.mkdir()
        exchange.chmod(0o1777)
        # nbgrader's site-wide configuration, found by every user through JUPYTER_CONFIG_PATH
        site = base / "site-config"
        site.mkdir()
        (site / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n"
            "c.CourseDirectory.course_id = 'nlpcourse'\n",
            encoding="utf-8",
        )
        site.chmod(0o755)
        (site / "nbgrader_config.py").chmod(0o644)
        # the instructor's course folder: the chapter's source and release, their own gradebook
        course = homes[INSTRUCTOR] / "nlpcourse"
        for part in ("solutions", "notebooks"):
            shutil.copytree(ROOT / part / CHAPTER, course / part / CHAPTER)
        shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
        subprocess.run(["chown", "-R", f"{INSTRUCTOR}:{INSTRUCTOR}", str(course)], check=True)
        env = {
            "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
            "JUPYTER_CONFIG_PATH": str(site),
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "OMP_WAIT_POLICY": "PASSIVE",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
        yield {"base": base, "exchange": exchange, "site": site, "course": course, "homes": homes, "env": env}
    finally:
        reachable.__exit__(None, None, None)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def hub(hub_env: dict) -> Iterator[str]:
    base, env = hub_env["base"], hub_env["env"]
    port, hub_port, api_port = _free_port(), _free_port(), _free_port()
    config = base / "jupyterhub_config.py"
    student_env = {**env, "JUPYTER_CONFIG_DIR": str(ROOT / ".jupyter")}  # the students' profile
    config.write_text(
        f"""
c = get_config()
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.pid_file = {str(base / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{base / "hub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(base / "cookie_secret")!r}
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {set(STUDENTS) | {INSTRUCTOR}!r}
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [{str(BIN / "jupyterhub-singleuser")!r}]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {student_env!r}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
""",
        encoding="utf-8",
    )
    log = base / "hub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(config)],
            cwd=base,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PATH": env["PATH"] + ":" + os.environ.get("PATH", "")},
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyterhub exited {process.returncode}:\n{log.read_text()[-4000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}/hub/api", timeout=2) as response:
                    if response.status == 200:
                        break
            if time.monotonic() > deadline:
                pytest.fail(f"jupyterhub did not answer in 60 s:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)
        hub_env["log"] = log
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        for user in (INSTRUCTOR, *STUDENTS):  # single-user servers the hub may have left behind
            subprocess.run(["pkill", "-TERM", "-u", user], check=False)
        with contextlib.suppress(OSError, ValueError):
            os.kill(int((base / "proxy.pid").read_text()), signal.SIGTERM)


def _solved(notebook: dict) -> dict:
    solution = json.loads((ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb").read_text(encoding="utf-8"))
    answers = {
        c["metadata"]["nbgrader"]["grade_id"]: c["source"]
        for c in solution["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    }
    for cell in notebook["cells"]:
        grader = cell["metadata"].get("nbgrader", {})
        if grader.get("solution") and cell["cell_type"] == "code":
            cell["source"] = answers[grader["grade_id"]]
    return notebook


def _login(page, hub: str, user: str) -> None:
    """Fill in the hub's login form and submit it (the hub then starts the user's server)."""
    page.goto(f"{hub}/hub/login")
    page.fill("input#username_input", user)
    page.fill("input#password_input", PASSWORD)
    page.click("#login_submit")


def _wait_for_lab(page, user: str) -> None:
    page.wait_for_url(re.compile(rf".*/user/{user}/lab.*"), timeout=150_000)
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=90_000)


def _assignment_list(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Assignment List$")).click()
    page.wait_for_selector("#nbgrader-assignment-list", timeout=30_000)


def _contents(page, hub: str, user: str, path: str, body: dict | None = None) -> dict:
    """The notebook server's contents API, called from the student's browser session."""
    return page.evaluate(
        """async ([url, body]) => {
            const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1];
            const init = body ? {method: 'PUT', body: JSON.stringify(body)} : {};
            init.headers = {'Content-Type': 'application/json', 'X-XSRFToken': xsrf};
            const response = await fetch(url, init);
            if (!response.ok) throw new Error(response.status + ' ' + await response.text());
            return await response.json();
        }""",
        [f"{hub}/user/{user}/api/contents/{path}", body],
    )


def test_a_class_on_jupyterhub(hub: str, hub_env: dict):
    from playwright.sync_api import sync_playwright

    course, env = hub_env["course"], hub_env["env"]
    start = time.monotonic()

    def step(name: str) -> None:
        print(f"{time.monotonic() - start:6.1f} s  {name}", flush=True)

    instructor_env = {**env, "HOME": str(hub_env["homes"][INSTRUCTOR])}
    step("hub up")
    # 1. the instructor releases chapter 00 to the exchange
    _as(
        INSTRUCTOR,
        str(BIN / "nbgrader"),
        "generate_assignment",
        CHAPTER,
        "--force",
        cwd=course,
        env=instructor_env,
    )
    _as(
        INSTRUCTOR,
        str(BIN / "nbgrader"),
        "release_assignment",
        CHAPTER,
        "--force",
        cwd=course,
        env=instructor_env,
    )
    step("released")
    assert (hub_env["exchange"] / "nlpcourse" / "outbound" / CHAPTER / f"{CHAPTER}.ipynb").is_file()

    notebook_path = f"{CHAPTER}/{CHAPTER}.ipynb"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            # 2. both students log in (their servers start side by side), then each fetches, works
            # and submits, in the browser
            pages = {}
            for student in STUDENTS:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                pages[student] = context.new_page()
                _login(pages[student], hub, student)
            for student in STUDENTS:
                page = pages[student]
                try:
                    _wait_for_lab(page, student)
                    step(f"{student}: lab open")
                    _assignment_list(page)
                    released = page.locator("#released_assignments_list .list_item", has_text=CHAPTER)
                    released.get_by_role("button", name="Fetch").click()
                    fetched = page.locator("#fetched_assignments_list .list_item", has_text=CHAPTER).first
                    fetched.wait_for(timeout=60_000)
                    step(f"{student}: fetched")
                    model = _contents(page, hub, student, notebook_path)
                    assert model["type"] == "notebook"
                    work = _solved(model["content"]) if student == STUDENTS[0] else model["content"]
                    _contents(
                        page,
                        hub,
                        student,
                        notebook_path,
                        {"type": "notebook", "format": "json", "content": work},
                    )
                    fetched.get_by_role("button", name="Submit").click()
                    page.locator("#submitted_assignments_list .list_item", has_text=CHAPTER).first.wait_for(
                        timeout=60_000
                    )
                except BaseException:
                    with contextlib.suppress(Exception):
                        page.screenshot(path=str(hub_env["base"] / f"{student}.png"))
                    print((hub_env.get("log") or Path("/dev/null")).read_text()[-4000:])
                    raise
            step("both students submitted")
            inbox = hub_env["exchange"] / "nlpcourse" / "inbound"
            inbound = sorted(p.name.split("+")[0] for p in inbox.iterdir())
            assert inbound == sorted(STUDENTS)

            # 3. the instructor collects, grades with nlpcourse grade, releases feedback
            _as(INSTRUCTOR, str(BIN / "nbgrader"), "collect", CHAPTER, cwd=course, env=instructor_env)
            graded = _as(
                INSTRUCTOR,
                str(BIN / "nlpcourse"),
                "grade",
                CHAPTER,
                "submitted",
                "--quiet",
                "--workers",
                "2",
                cwd=course,
                env=instructor_env,
                timeout=600,
            )
            assert (course / "grades" / f"{CHAPTER}.csv").is_file(), graded.stdout
            scores = {s: _score(graded.stdout, s) for s in STUDENTS}
            assert scores[STUDENTS[0]] > 0 and scores[STUDENTS[1]] == 0, graded.stdout
            step("graded")
            _as(
                INSTRUCTOR, str(BIN / "nbgrader"), "release_feedback", CHAPTER, cwd=course, env=instructor_env
            )

            # 4. a student fetches the feedback in the browser
            page = pages[STUDENTS[0]]
            page.reload()
            page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=60_000)
            _assignment_list(page)
            submitted = page.locator("#submitted_assignments_list .list_item", has_text=CHAPTER).first
            submitted.get_by_role("button", name="Fetch Feedback").click()
            home = hub_env["homes"][STUDENTS[0]]
            deadline = time.monotonic() + 60
            while not list(home.glob(f"{CHAPTER}/feedback/*/{CHAPTER}.html")):
                assert time.monotonic() < deadline, "no feedback in the student's home after Fetch Feedback"
                time.sleep(0.5)
            feedback = next(home.glob(f"{CHAPTER}/feedback/*/{CHAPTER}.html")).read_text(encoding="utf-8")
            assert "BEGIN HIDDEN TESTS" not in feedback
            step("feedback fetched")
        finally:
            browser.close()


def _score(table: str, student: str) -> float:
    """The automatic points of a student in `nlpcourse grade`'s table."""
    for line in table.splitlines():
        fields = line.split()
        if fields and fields[0] == student:
            match = re.search(r"(\d+(?:\.\d+)?)\s*/\s*\d", line)
            assert match, line
            return float(match.group(1))
    raise AssertionError(f"{student} not in the grade table:\n{table}")
