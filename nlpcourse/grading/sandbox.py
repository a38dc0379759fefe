"""The sandbox a student's kernel runs in, built from what Linux already provides.

Only the Jupyter *kernel* is sandboxed: nbgrader's preprocessors, the gradebook and the notebook
client stay in the trusted grading process and talk to the kernel over Unix sockets in a folder
the two share. The kernel is started as::

    bwrap  <namespaces> <a fresh root holding only what Python needs> --
      setpriv --reuid U --regid U --clear-groups --no-new-privs ...   (when grading as root)
        prlimit --as=... --nproc=... --cpu=... --fsize=... --nofile=... --core=0 --
          python -m ipykernel_launcher -f <connection file>

* bubblewrap (``bwrap``, Debian package ``bubblewrap``) gives the kernel its own mount, PID, IPC,
  UTS and network namespaces. Its root is an empty tmpfs on which only the system (``/usr``,
  ``/etc``), the Python installation, the virtualenv and the ``nlpcourse`` package are mounted
  read-only: the course folder (``solutions/``, ``gradebook.db``, ``submitted/``) and every other
  student's files do not exist in there. The network namespace has a loopback device only.
  The only writable places are size-limited tmpfs mounts (``$HOME``, holding the chapter's
  release files read-only, ``/tmp``, ``/dev/shm``) and the socket folder, which is taken back
  (chowned to root) as soon as the kernel has made its sockets.
* ``setpriv`` (util-linux) drops to an unprivileged uid of its own (one per worker, so that the
  process limit counts one sandbox only) with no capabilities and ``no_new_privs``.
* ``prlimit`` (util-linux) sets hard resource limits, which an unprivileged process cannot raise.

Nothing here relies on Python-level tricks inside the kernel that student code could undo. The
grader adds one check from outside (:class:`~nlpcourse.grading.execute.Watchdog`): the memory of
all the sandbox's processes together, which per-process limits do not bound.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from nlpcourse.i18n import LANGUAGES

__all__ = ["Cgroup", "Limits", "Sandbox", "SandboxError", "SandboxKernelManager", "fresh_uid", "parse_size"]

MiB = 2**20
GiB = 2**30

#: Home of the student inside the sandbox; the kernel's working folder is ``HOME/<chapter>``.
HOME = "/home/student"
#: Paths of the host system mounted read-only (symlinks such as Debian's merged ``/lib`` are copied).
SYSTEM_PATHS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: Environment variables passed from the grader to the kernel (all others are cleared).
PASSED_ENV = ("LANG", "LC_ALL", "TZ")
#: matplotlib's configuration and cache folder, under HOME (MPLCONFIGDIR).
MPL_CONFIG = ".config/matplotlib"
#: The probe's script: the kernel's Python can import ipykernel; then matplotlib's font list is
#: copied out (argv[1]), so that no kernel spends 0.4 s of CPU scanning the system's fonts again.
PROBE = """
import os, shutil, sys
import ipykernel
try:
    from matplotlib import font_manager
except ImportError:
    sys.exit(0)
name = f"fontlist-v{font_manager.FontManager.__version__}.json"
path = os.path.join(os.environ.get("MPLCONFIGDIR", ""), name)
if os.path.isfile(path):
    shutil.copyfile(path, os.path.join(sys.argv[1], name))
"""
#: Largest font list accepted from the probe, and its name.
FONTS_LIMIT = 16 * MiB
FONTS_NAME = re.compile(r"fontlist-v[0-9][0-9.]{0,15}\.json")


class SandboxError(RuntimeError):
    """The sandbox cannot be built on this machine; the message says what to install or pass."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one student's kernel (``prlimit`` hard limits unless said otherwise)."""

    cell_timeout: int = 120  # seconds per cell before the kernel is interrupted (nbgrader's Execute.timeout)
    memory: int = 4 * GiB  # address space per process (RLIMIT_AS): torch alone maps ~1 GiB
    processes: int = 256  # processes + threads of the sandbox's uid (RLIMIT_NPROC; root only)
    cpu_time: int = 900  # CPU seconds per process (RLIMIT_CPU): SIGXCPU kills a runaway
    file_size: int = 64 * MiB  # largest file the kernel may write (RLIMIT_FSIZE)
    open_files: int = 1024  # file descriptors per process (RLIMIT_NOFILE)
    scratch: int = 512 * MiB  # size of the tmpfs holding $HOME and /tmp each
    output: int = 2 * MiB  # bytes of output kept per cell; the rest is dropped as it arrives
    notebook_output: int = 16 * MiB  # bytes of output (comm buffers included) per notebook
    notebook_time: int = 0  # wall-clock seconds per notebook (0: 10 cell timeouts, at most 30 min)
    notebook_size: int = 32 * MiB  # largest notebook file accepted for grading
    upload: int = 256 * MiB  # largest file of a submission, and all files of an archive together

    @property
    def wall_clock(self) -> int:
        return self.notebook_time or min(1800, 10 * self.cell_timeout)


def parse_size(text: str) -> int:
    """``"4G"`` -> 4 GiB, ``"512M"`` -> 512 MiB, ``"100k"`` -> 100 KiB, ``"123"`` -> 123 bytes."""
    units = {"k": 2**10, "m": MiB, "g": GiB, "t": 2**40}
    value = text.strip().lower().removesuffix("ib").removesuffix("b")
    scale = units.get(value[-1:], 1)
    number = value[:-1] if value[-1:] in units else value
    try:
        size = int(float(number) * scale)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (use e.g. 4G, 512M or a number of bytes)") from None
    if size <= 0:
        raise ValueError(f"size must be positive, got {text!r}")
    return size


#: Sandbox uids are drawn at random from this range, one per kernel (never reused within a run).
UID_RANGE = (1_000_000, 2**31 - 2)
_USED_UIDS: set[int] = set()


def fresh_uid() -> int:
    """An unused uid for one sandbox: no other sandbox (of this run or a concurrent one) shares it,
    so the process limit of one never counts another's processes."""
    taken = _uids()
    while True:
        uid = UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])
        if uid not in taken and uid not in _USED_UIDS:
            _USED_UIDS.add(uid)
            return uid


def _uids() -> set[int]:
    """Real uids of the processes running now (a process may end while they are read)."""
    out = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                out.add(os.stat(entry.path).st_uid)
    return out


def user_tasks(uid: int) -> int:
    """Processes and threads of ``uid`` now (RLIMIT_NPROC counts both)."""
    total = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(entry.path).st_uid == uid:
                    total += sum(1 for _ in os.scandir(f"{entry.path}/task"))
    return total


CGROUP_ROOT = Path("/sys/fs/cgroup")


class Cgroup:
    """A memory + pids cgroup of one sandbox (v1 ``memory`` and ``pids`` controllers, or v2).

    The kernel's own accounting: memory counts every page of the sandbox's processes, shared
    memory, ``memfd`` and tmpfs files included; pids counts processes and threads. The OOM killer
    is switched off (v1) so that a sandbox at its limit stops, and the grader's watchdog ends it
    with a named reason instead of a random process dying.
    """

    def __init__(self, name: str, memory: int, processes: int) -> None:
        self.name, self.memory, self.processes = name, memory, processes
        self.paths: dict[str, Path] = {}

    @staticmethod
    def available() -> str:
        """ "" when cgroups can be used here, else why not."""
        if os.geteuid() != 0:
            return "not root"
        v1 = [CGROUP_ROOT / c for c in ("memory", "pids")]
        if all((p / "cgroup.procs").is_file() and os.access(p, os.W_OK) for p in v1):
            return ""
        v2 = CGROUP_ROOT / "cgroup.controllers"
        if (
            v2.is_file()
            and {"memory", "pids"} <= set(v2.read_text().split())
            and os.access(CGROUP_ROOT, os.W_OK)
        ):
            return ""
        return f"no writable memory and pids cgroup controllers under {CGROUP_ROOT}"

    def create(self) -> None:
        if (CGROUP_ROOT / "memory" / "cgroup.procs").is_file():
            memory = CGROUP_ROOT / "memory" / "nlpcourse" / self.name
            pids = CGROUP_ROOT / "pids" / "nlpcourse" / self.name
            memory.mkdir(parents=True)
            pids.mkdir(parents=True)
            self.paths = {"memory": memory, "pids": pids}
            (memory / "memory.limit_in_bytes").write_text(str(self.memory))
            swap = memory / "memory.memsw.limit_in_bytes"
            if swap.exists():
                with contextlib.suppress(OSError):
                    swap.write_text(str(self.memory))
            with contextlib.suppress(OSError):
                (memory / "memory.oom_control").write_text("1")
            (pids / "pids.max").write_text(str(self.processes))
        else:
            parent = CGROUP_ROOT / "nlpcourse"
            parent.mkdir(exist_ok=True)
            with contextlib.suppress(OSError):
                (parent / "cgroup.subtree_control").write_text("+memory +pids")
            group = parent / self.name
            group.mkdir()
            self.paths = {"memory": group, "pids": group}
            (group / "memory.max").write_text(str(self.memory))
            with contextlib.suppress(OSError):
                (group / "memory.swap.max").write_text("0")
            (group / "pids.max").write_text(str(self.processes))

    def enter_command(self) -> list[str]:
        r"""A command prefix that moves itself into the cgroup, then ``exec``\ s the rest."""
        files = sorted({str(path / "cgroup.procs") for path in self.paths.values()})
        script = " && ".join(f"echo $$ > {shlex.quote(f)}" for f in files) + ' && exec "$@"'
        return ["/bin/sh", "-c", script, "nlpcourse-sandbox"]

    def _read(self, controller: str, name: str) -> str:
        try:
            return (self.paths[controller] / name).read_text()
        except (OSError, KeyError):
            return ""

    def memory_used(self) -> int:
        text = self._read("memory", "memory.usage_in_bytes") or self._read("memory", "memory.current")
        return int(text.strip() or 0)

    def at_memory_limit(self) -> bool:
        """The sandbox hit its memory limit and could not reclaim enough (it is stuck or was OOM-killed)."""
        v1 = self._read("memory", "memory.oom_control")
        if v1:
            fields = dict(line.split() for line in v1.splitlines() if len(line.split()) == 2)
            return fields.get("under_oom") == "1" or int(fields.get("oom_kill", 0)) > 0
        events = self._read("memory", "memory.events")
        fields = dict(line.split() for line in events.splitlines() if len(line.split()) == 2)
        return int(fields.get("oom_kill", 0)) > 0 or int(fields.get("max", 0)) > 0

    def pids(self) -> list[int]:
        out = set()
        for path in self.paths.values():
            with contextlib.suppress(OSError):
                out |= {int(p) for p in (path / "cgroup.procs").read_text().split()}
        return sorted(out)

    def kill(self) -> None:
        """SIGKILL every process of the sandbox (a frozen-by-OOM one too: SIGKILL always ends it)."""
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)

    def remove(self) -> None:
        self.kill()
        for path in {*self.paths.values()}:
            for _ in range(40):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def _parents(path: Path) -> list[str]:
    """bwrap arguments creating the missing parents of ``path`` world-traversable (mode 0755);
    bwrap would otherwise create them with mode 0700, closed to the sandbox user."""
    args: list[str] = []
    for parent in reversed(path.parents[:-1]):
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _mount(flag: str, source: Path, dest: Path) -> list[str]:
    return [*_parents(Path(dest)), flag, str(source), str(dest)]


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


@dataclass
class Sandbox:
    """How to wrap a kernel command; one instance per grading worker.

    ``uid`` is the unprivileged user the kernel runs as when grading as root (None otherwise: without
    root the kernel keeps the instructor's uid, in a user namespace). ``enabled=False`` runs kernels
    without isolation (``nlpcourse grade --no-sandbox``), still under the resource limits.
    """

    limits: Limits = field(default_factory=Limits)
    uid: int | None = None
    enabled: bool = True
    threads: int = 1  # torch/OpenMP threads per kernel (cores / workers)
    cgroup: Cgroup | None = None  # the kernel's memory + pids cgroup, when available
    record: bool = True  # checks send their records to the grader (NLPCOURSE_RECORD=1)
    language: str = "en"  # NLPCOURSE_LANGUAGE: the edition of the notebook (check messages)
    fonts: str | None = None  # matplotlib's font list, made by :meth:`probe`, mounted read-only

    # -- what the kernel sees ------------------------------------------------------------------

    def readonly_paths(self) -> list[Path]:
        """Host folders mounted read-only at the same path: Python, the virtualenv, nlpcourse."""
        paths = [Path(sys.base_prefix), Path(sys.prefix), Path(sys.exec_prefix)]
        package = _package_dir("nlpcourse")
        if package is not None:
            paths.append(package)
        out: list[Path] = []
        for path in paths:
            for candidate in (path, path.resolve()):
                if candidate.exists() and candidate not in out:
                    out.append(candidate)
        return out

    def grading_environment(self) -> dict[str, str]:
        """What every graded kernel gets, sandboxed or not: fast mode, threads, offline."""
        threads = str(self.threads)
        return {
            "NBGRADER_EXECUTION": "autograde",  # fast mode (nlpcourse.notebook.fast_mode)
            "NLPCOURSE_THREADS": threads,
            "OMP_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            "MALLOC_ARENA_MAX": "2",  # fewer glibc arenas: less address space under RLIMIT_AS
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            **({"NLPCOURSE_RECORD": "1"} if self.record else {}),
            "NLPCOURSE_LANGUAGE": self.language if self.language in LANGUAGES else "en",
        }

    def launch_environment(self) -> dict[str, str]:
        """The environment of the launched command: without the sandbox, the grader's own plus
        :meth:`grading_environment`; with it, only PATH (bubblewrap clears the rest)."""
        if self.enabled:
            return {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        return {**os.environ, **self.grading_environment()}

    def environment(self, chapter: str) -> dict[str, str]:
        """The sandboxed kernel's whole environment: nothing of the grader's leaks in (tokens, paths)."""
        env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
        env.setdefault("LANG", "C.UTF-8")
        env.update(self.grading_environment())
        env.update(
            {
                "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                "HOME": HOME,
                "USER": "student",
                "LOGNAME": "student",
                "TMPDIR": "/tmp",
                "PYTHONNOUSERSITE": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "MPLCONFIGDIR": f"{HOME}/{MPL_CONFIG}",
                "IPYTHONDIR": f"{HOME}/.ipython",
                "JUPYTER_CONFIG_DIR": f"{HOME}/.jupyter",
                "JUPYTER_DATA_DIR": f"{HOME}/.local/share/jupyter",
                "JUPYTER_RUNTIME_DIR": f"{HOME}/.local/share/jupyter/runtime",
                "NLPCOURSE_DATA": f"{HOME}/.cache/nlpcourse",
                "HF_HOME": f"{HOME}/.cache/huggingface",
            }
        )
        return env

    # -- the command -------------------------------------------------------------------------

    def prlimit_args(self) -> list[str]:
        lim = self.limits
        args = [
            f"--as={lim.memory}:{lim.memory}",
            f"--cpu={lim.cpu_time}:{lim.cpu_time + 5}",
            f"--fsize={lim.file_size}:{lim.file_size}",
            f"--nofile={lim.open_files}:{lim.open_files}",
            "--core=0:0",
        ]
        # RLIMIT_NPROC counts every process and thread of the real uid: as root the sandbox has
        # a uid of its own; otherwise it shares the instructor's, and the limit is what that uid
        # runs now plus the sandbox's share (a bound, not an isolation: the cgroup is that).
        nproc = lim.processes if self.uid is not None else user_tasks(os.getuid()) + lim.processes
        args.append(f"--nproc={nproc}:{nproc}")
        return ["prlimit", *args, "--"]

    def bwrap_args(self, chapter: str, files: list[tuple[str, str]], run: Path) -> list[str]:
        """bubblewrap arguments. The kernel's folder ``$HOME/<chapter>`` is on a size-limited tmpfs
        and holds ``files`` ((host path, relative path) pairs, read-only); ``run`` holds the sockets."""
        args = [
            "bwrap",
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "grader",
        ]
        if self.uid is None:
            args += ["--unshare-user"]  # unprivileged: the user namespace makes the rest possible
        else:
            # root keeps only what setpriv needs to become the sandbox user, then drops it all
            args += [
                "--cap-drop",
                "ALL",
                "--cap-add",
                "CAP_SETUID",
                "--cap-add",
                "CAP_SETGID",
                "--cap-add",
                "CAP_SETPCAP",
            ]
        for path in SYSTEM_PATHS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        size = str(self.limits.scratch)
        args += [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            size,
            "--tmpfs",
            "/tmp",
            "--size",
            size,
            "--tmpfs",
            "/dev/shm",
        ]
        args += _parents(Path(HOME)) + ["--size", size, "--tmpfs", HOME]
        if self.uid is not None:
            args += ["--chmod", "0777", "/tmp", "--chmod", "0777", "/dev/shm", "--chmod", "0777", HOME]
        # Python and the virtualenv go on top of the scratch mounts: a course checked out under
        # /tmp (as CI may do) keeps its interpreter visible inside the sandbox.
        for path in self.readonly_paths():
            args += _mount("--ro-bind", path, path)
        if self.fonts is not None:  # matplotlib finds its font list instead of scanning every font
            config = Path(HOME) / MPL_CONFIG
            args += [
                "--perms",
                "0777",
                "--dir",
                str(config.parent),
                "--perms",
                "0777",
                "--dir",
                str(config),
                "--ro-bind",
                self.fonts,
                str(config / Path(self.fonts).name),
            ]
        work = Path(HOME) / chapter
        args += ["--perms", "0777", "--dir", str(work)]
        for source, relative in files:
            dest = work / relative
            for parent in reversed(dest.parents):
                if parent.is_relative_to(work) and parent != work:
                    args += ["--perms", "0777", "--dir", str(parent)]
            args += ["--ro-bind", source, str(dest)]
        args += [*_mount("--bind", run, run), "--chdir", str(work), "--clearenv"]
        for name, value in self.environment(chapter).items():
            args += ["--setenv", name, value]
        args.append("--")
        if self.uid is not None:
            args += [
                "setpriv",
                f"--reuid={self.uid}",
                f"--regid={self.uid}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
                "--",
            ]
        return args

    def wrap(self, command: list[str], chapter: str, files: list[tuple[str, str]], run: Path) -> list[str]:
        """The full command line that starts ``command`` (the kernel) inside the sandbox."""
        enter = self.cgroup.enter_command() if self.cgroup is not None else []
        if not self.enabled:
            return [*enter, *self.prlimit_args(), *command]
        return [*enter, *self.bwrap_args(chapter, files, run), *self.prlimit_args(), *command]

    def lock(self, run: Path) -> None:
        """Once the kernel has made its sockets, take its one host folder back (as root): from then
        on the sandbox cannot write a byte to the host's disks."""
        if self.uid is not None and self.enabled:
            os.chown(run, 0, 0)
            os.chmod(run, 0o755)
            connection = run / "kernel.json"
            if connection.exists():  # read by the kernel at start; it may not append to it later
                os.chown(connection, 0, 0)
                os.chmod(connection, 0o644)

    def give(self, path: Path) -> None:
        """Hand a file or folder (recursively) made by the grader to the sandbox user."""
        if self.uid is None or not self.enabled:
            return
        os.chown(path, self.uid, self.uid)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), self.uid, self.uid, follow_symlinks=False)

    def probe(self, scratch: Path) -> str | None:
        """Start Python and import ipykernel in the sandbox once; raise SandboxError if it fails.

        Returns the path of matplotlib's font list made in there (copied by the grader, read-only)
        for :attr:`fonts`, or None (no sandbox, or no matplotlib)."""
        needed = ["prlimit"]
        if self.enabled:
            needed += ["bwrap"] + (["setpriv"] if self.uid is not None else [])
        missing = [tool for tool in needed if shutil.which(tool) is None]
        if missing:
            packages = sorted({"bubblewrap" if tool == "bwrap" else "util-linux" for tool in missing})
            raise SandboxError(
                f"{', '.join(missing)} not found: install the Debian/Ubuntu package(s) "
                f"{' '.join(packages)} (apt-get install {' '.join(packages)})"
                + (
                    ", or pass --no-sandbox to grade without isolation (only for code you trust)"
                    if "bwrap" in missing
                    else ""
                )
            )
        run = scratch / "probe"
        run.mkdir(parents=True, exist_ok=True)
        self.give(run)
        command = self.wrap([sys.executable, "-c", PROBE, str(run)], "probe", [], run)
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise SandboxError(
                f"the kernel sandbox does not start here (exit {result.returncode}):\n"
                f"{result.stderr.strip()[-2000:]}\n"
                "bubblewrap needs namespaces: run as root, or allow unprivileged user namespaces "
                "(sysctl kernel.unprivileged_userns_clone=1); inside Docker add "
                "--security-opt seccomp=unconfined --cap-add SYS_ADMIN. "
                "Or pass --no-sandbox to grade without isolation (only for code you trust)."
            )
        return self._fonts(run, scratch) if self.enabled else None

    @staticmethod
    def _fonts(run: Path, scratch: Path) -> str | None:
        """The probe's font list, copied by the grader out of the folder the probe could write."""
        made = [
            entry
            for entry in os.scandir(run)
            if FONTS_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
        ]
        if len(made) != 1 or made[0].stat(follow_symlinks=False).st_size > FONTS_LIMIT:
            return None
        with open(made[0].path, "rb") as f:
            data = f.read(FONTS_LIMIT + 1)
        if len(data) > FONTS_LIMIT:
            return None
        fonts = scratch / made[0].name
        fonts.write_bytes(data)
        fonts.chmod(0o644)
        return str(fonts)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start inside a :class:`Sandbox`.

    The kernel talks ZeroMQ over Unix sockets (``transport="ipc"``) in ``run``, the one folder the
    grader and the sandbox share, because the sandbox has no network. It is interrupted by a
    control message (``interrupt_mode="message"``), not by a signal sent across the sandbox.
    """

    def __init__(
        self, *, sandbox: Sandbox, chapter: str, files: list[tuple[str, str]], run: Path, **kwargs
    ) -> None:
        super().__init__(
            transport="ipc", ip=str(run / "k"), connection_file=str(run / "kernel.json"), **kwargs
        )
        self.sandbox, self.chapter, self.files, self.run = sandbox, chapter, files, run

    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (sandboxed)",
                language="python",
                interrupt_mode="message",
            )
        return self._kernel_spec

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        return self.sandbox.wrap(command, self.chapter, self.files, self.run)

    def write_connection_file(self, **kwargs) -> None:
        super().write_connection_file(**kwargs)
        self.sandbox.give(Path(self.connection_file))
