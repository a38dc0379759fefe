"""Run one sanitized submission in a sandboxed kernel: the work of a grading worker process.

:class:`SandboxedExecute` is nbgrader's ``Execute`` preprocessor with three changes: its kernel
starts in a :class:`~nlpcourse.grading.sandbox.Sandbox`; output past the limit is dropped as it
arrives (never held in memory); and a kernel that dies or ignores the interrupt after a timeout
ends the run without losing what ran: every code cell after it gets an error output, so that
nbgrader scores its checks 0 instead of full marks for an empty output.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import psutil
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute, IgnorePattern, LimitOutput
from traitlets.config import Config

from nlpcourse.grading import compat
from nlpcourse.grading.outcome import Reason
from nlpcourse.grading.sandbox import Cgroup, Limits, Sandbox, SandboxKernelManager, fresh_uid

__all__ = ["Job", "Executed", "SandboxedExecute", "run_job", "init_worker"]

#: The MIME type of check records (:data:`nlpcourse.check.RECORD_MIME`, which a unit test keeps equal),
#: written out here because importing nlpcourse.check imports torch: 2 s of CPU per worker.
RECORD_MIME = "application/vnd.nlpcourse.check-record+json"
#: Messages whose content counts towards the output limit.
OUTPUT_MESSAGES = {"stream", "display_data", "execute_result", "error", "update_display_data"}
#: Signals a kernel can die of, with the limit that sends them.
SIGNALS = {
    signal.SIGXCPU: "hit the CPU time limit (SIGXCPU)",
    signal.SIGXFSZ: "hit the file size limit (SIGXFSZ)",
    signal.SIGKILL: "was killed (SIGKILL)",
    signal.SIGSEGV: "crashed (SIGSEGV)",
    signal.SIGABRT: "aborted (SIGABRT)",
}
MEMORY_ERRORS = ("MemoryError", "can't allocate memory", "Cannot allocate memory", "std::bad_alloc")
#: Bytes of check records (plain answers sent to the grader) accepted per notebook.
RECORDS_BUDGET = 128 * 2**20


@dataclass
class Job:
    """One submission for a worker: a notebook already sanitized by nbgrader in the grader."""

    student: str
    chapter: str
    notebook: str  # JSON of the sanitized notebook (check cells restored from the gradebook)
    files: list[tuple[str, str]]  # release files (host path, relative path) for the kernel's folder
    limits: Limits
    config: Config  # the course's nbgrader configuration (Execute.extra_arguments, ...)
    scratch: str | None = None  # where per-submission folders are made (default: the temp dir)
    sources: dict[int, str] = field(default_factory=dict)  # cell index -> source sent to the kernel
    checks: dict[int, str] = field(default_factory=dict)  # cell index -> grade_id of check cells
    language: str = "en"  # the edition the student worked in: the kernel's messages speak it


@dataclass
class Executed:
    """What a worker sends back: the executed notebook and what went wrong, if anything."""

    student: str
    notebook: str | None
    reasons: list[Reason] = field(default_factory=list)
    detail: str = ""
    seconds: float = 0.0
    records: dict[str, list] = field(default_factory=dict)  # check cell grade_id -> its check records


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _size(content: dict[str, Any], buffers: Any = None) -> int:
    extra = 0
    for buffer in buffers or []:
        with contextlib.suppress(TypeError):
            extra += memoryview(buffer).nbytes
    if "text" in content and isinstance(content["text"], str):
        return len(content["text"]) + extra
    return len(json.dumps(content, default=str)) + extra


class SandboxedExecute(Execute):
    """nbgrader's Execute preprocessor with its kernel in a sandbox and its output bounded."""

    def __init__(
        self,
        *,
        sandbox: Sandbox,
        chapter: str,
        files: list[tuple[str, str]],
        run: Path,
        work: Path,
        config: Config | None = None,
        sources: dict[int, str] | None = None,
        checks: dict[int, str] | None = None,
        **kwargs,
    ) -> None:
        # Through the config, not keyword arguments: ExecutePreprocessor.preprocess re-runs
        # NotebookClient.__init__, which re-applies the config and forgets keyword arguments.
        override = Config()
        override.SandboxedExecute.timeout = sandbox.limits.cell_timeout
        override.SandboxedExecute.shutdown_kernel = "immediate"  # nothing to save: kill at once
        override.SandboxedExecute.startup_timeout = 120
        config = copy.deepcopy(config) if config is not None else Config()
        config.merge(override)
        super().__init__(config=config, **kwargs)
        self.sandbox, self.chapter, self.files, self.run = sandbox, chapter, files, run
        self.work = work  # the kernel's folder on the host, used only without the sandbox
        self.watchdog: Watchdog | None = None
        self.reasons: list[Reason] = []
        self.details: list[str] = []
        self.output_bytes: dict[int, int] = {}  # cell index -> bytes of output received
        self.truncated: set[int] = set()  # cells whose output was cut
        self.kernel_log = run.parent / "kernel.log"  # outside the sandbox's reach
        self.sources = sources or {}  # cell index -> what the kernel gets instead (expected values cut)
        self.checks = checks or {}  # cell index -> grade_id: only these cells' records count
        self.records: dict[int, list] = {}
        self.records_bytes = 0
        self.total_output = 0
        self.over_total = False
        self.started = False
        self.deadline: float | None = None  # time.monotonic() past which the notebook is stopped

    def _note(self, reason: Reason, detail: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.details.append(detail)

    def _where(self, index: int) -> str:
        cell = self.nb.cells[index]
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        return f"cell {index}" + (f" ({grade_id})" if grade_id else "")

    # -- kernel ---------------------------------------------------------------------------------

    def create_kernel_manager(self) -> SandboxKernelManager:
        self.km = SandboxKernelManager(
            sandbox=self.sandbox,
            chapter=self.chapter,
            files=self.files,
            run=self.run,
            kernel_name="python3",
            config=self.config,
        )
        return self.km

    def _exit_status(self) -> str:
        """How the kernel ended, as words that follow "the kernel"."""
        process = compat.kernel_process(self.km)
        code = process.poll() if process is not None else None
        if code is None:
            return "stopped responding"
        if code > 128:  # bubblewrap exits with 128 + the signal that killed the kernel
            try:
                sig = signal.Signals(code - 128)
            except ValueError:
                return f"exited with status {code}"
            return SIGNALS.get(sig, f"was killed by {sig.name}")
        return f"exited with status {code}"

    def _log_tail(self, chars: int = 1500) -> str:
        try:
            return self.kernel_log.read_bytes()[-chars:].decode("utf-8", "replace")
        except OSError:
            return ""

    # -- output limit -----------------------------------------------------------------------------

    def process_message(self, msg: dict[str, Any], cell: NotebookNode, cell_index: int):
        msg_type = msg["msg_type"]
        content = msg.get("content") or {}
        if msg_type == "display_data" and RECORD_MIME in (content.get("data") or {}):
            return self._record(content, cell_index)
        if msg_type in OUTPUT_MESSAGES or msg_type.startswith("comm"):
            added = _size(content, msg.get("buffers"))
            size = self.output_bytes.get(cell_index, 0) + added
            self.output_bytes[cell_index] = size
            self.total_output += added
            if self.total_output > self.sandbox.limits.notebook_output:
                if not self.over_total:
                    self.over_total = True
                    limit = self.sandbox.limits.notebook_output
                    self._note(
                        Reason.OUTPUT,
                        f"the notebook's output (widget data included) passed "
                        f"{limit // 2**20} MiB at {self._where(cell_index)}; "
                        "later output was dropped",
                    )
                if msg_type.startswith("comm"):
                    return None
                return self._over_limit(msg, cell, cell_index, note=False)
            if size > self.sandbox.limits.output:
                if msg_type.startswith("comm"):
                    return None
                return self._over_limit(msg, cell, cell_index)
        return super().process_message(msg, cell, cell_index)

    def _record(self, content: dict[str, Any], cell_index: int) -> None:
        """Keep a check record of a check cell (never shown as output); drop everything else."""
        size = _size(content)
        self.records_bytes += size
        if self.records_bytes > RECORDS_BUDGET:
            if self.records_bytes - size <= RECORDS_BUDGET:
                self._note(
                    Reason.OUTPUT,
                    f"{self._where(cell_index)}: the checks' answers passed "
                    f"{RECORDS_BUDGET // 2**20} MiB; later ones were dropped",
                )
            return None
        if cell_index in self.checks:
            record = content["data"][RECORD_MIME]
            self.records.setdefault(cell_index, []).append(record if isinstance(record, dict) else {})
        return None

    def _over_limit(
        self, msg: dict[str, Any], cell: NotebookNode, cell_index: int, note: bool = True
    ) -> None:
        if cell_index not in self.truncated:
            self.truncated.add(cell_index)
            limit = self.sandbox.limits.output
            if note:
                self._note(
                    Reason.OUTPUT,
                    f"{self._where(cell_index)} printed past the output limit "
                    f"({limit // 1024} KiB); the rest was dropped",
                )
            cell.outputs.append(
                nbformat.v4.new_output(
                    "stream",
                    name="stdout",
                    text=f"\n[output truncated: this cell printed more than {limit // 1024} KiB]\n",
                )
            )
        content = msg["content"]
        # Errors and stderr decide the score, so they are kept, cut short.
        if msg["msg_type"] == "error":
            cell.outputs.append(_error(str(content.get("ename"))[:200], str(content.get("evalue"))[:500]))
        elif msg["msg_type"] == "stream" and content.get("name") == "stderr":
            if not any(o.get("name") == "stderr" for o in cell.outputs):
                cell.outputs.append(
                    nbformat.v4.new_output("stream", name="stderr", text=content["text"][:500])
                )
        return None

    # -- timeouts and dead kernels --------------------------------------------------------------

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None):
        index = self.nb.cells.index(cell) if cell is not None and cell in self.nb.cells else -1
        self._note(Reason.TIMEOUT, f"{self._where(index)} ran past {timeout} s and was interrupted")
        return await super()._async_handle_timeout(timeout, cell)

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int):
        if index not in self.sources:
            return super().preprocess_cell(cell, resources, index)
        original = cell.source
        cell.source = self.sources[index]  # the check cell without its expected values
        try:
            return super().preprocess_cell(cell, resources, index)
        finally:
            cell.source = original

    def _stop(self, index: int, ename: str, evalue: str) -> None:
        """Mark cell ``index`` with the error that ended the run and every later code cell as not run."""
        self.nb.cells[index].outputs.append(_error(ename, evalue))
        for cell in self.nb.cells[index + 1 :]:
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [_error("CellNotRun", f"not run: the kernel stopped at cell {index}")]

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None):
        compat.reinitialise_client(self, nb, km, resources)
        log_file = open(self.kernel_log, "wb")  # noqa: SIM115 - closed below
        try:
            cwd = self.run if self.sandbox.enabled else self.work
            with self.setup_kernel(
                cwd=str(cwd),
                env=self.sandbox.launch_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log_file,
            ):
                info = self.wait_for_reply(self.kc.kernel_info())
                self.sandbox.lock(self.run)  # the sockets exist: nothing more to write there
                pid = compat.kernel_process(self.km).pid
                self.watchdog = Watchdog(
                    pid,
                    self.sandbox.limits.memory,
                    self.run,
                    cgroup=self.sandbox.cgroup,
                    deadline=self.deadline,
                )
                self.watchdog.start()
                self.started = True
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                for index, cell in enumerate(self.nb.cells):
                    if self.watchdog.reason:
                        self._dead(index, "was stopped")
                        break
                    try:
                        self.preprocess_cell(cell, resources, index)
                    except DeadKernelError:
                        status = self._exit_status()
                        self._dead(index, status)
                        break
                    except CellTimeoutError:
                        timeout = self.sandbox.limits.cell_timeout
                        self._note(
                            Reason.TIMEOUT,
                            f"{self._where(index)} ignored the interrupt after "
                            f"{timeout} s; the kernel was stopped",
                        )
                        self._stop(
                            index,
                            "CellTimeoutError",
                            f"the cell ran past {timeout} s and ignored the interrupt",
                        )
                        break
                    except KeyboardInterrupt:
                        raise
                    except Exception as error:  # noqa: BLE001 - the kernel sent what nbclient cannot read
                        if self.watchdog.reason:
                            self._dead(index, "was stopped")
                            break
                        self._note(
                            Reason.BAD_OUTPUT,
                            f"{self._where(index)}: the kernel sent malformed "
                            f"output ({type(error).__name__}); the run "
                            "stopped there",
                        )
                        self._stop(index, "MalformedOutput", "the kernel sent output the grader cannot read")
                        break
        finally:
            if self.watchdog is not None:
                self.watchdog.stop.set()
            log_file.close()
        self.set_widgets_metadata()
        self._memory_errors()
        return self.nb, self.resources

    def _dead(self, index: int, status: str) -> None:
        log = self._log_tail()
        if self.watchdog is not None and self.watchdog.reason:
            status = f"was stopped: {self.watchdog.reason}"
            if self.watchdog.kind == "memory":
                self.reasons.append(Reason.MEMORY)
            elif self.watchdog.kind == "time":
                limit = self.sandbox.limits.wall_clock
                status = f"was stopped: the notebook ran past its {limit} s time limit"
                if Reason.TIMEOUT not in self.reasons:
                    self.reasons.append(Reason.TIMEOUT)
        elif any(marker in log for marker in MEMORY_ERRORS):
            self._note(Reason.MEMORY, f"{self._where(index)}: the kernel ran out of memory ({status})")
        self._note(Reason.KERNEL_DIED, f"{self._where(index)}: the kernel {status}")
        self._stop(index, "KernelDied", f"the kernel {status} while this cell ran")

    def _memory_errors(self) -> None:
        for index, cell in enumerate(self.nb.cells):
            for out in cell.get("outputs", []):
                text = f"{out.get('ename', '')}: {out.get('evalue', '')}"
                if out.get("output_type") == "error" and any(m in text for m in MEMORY_ERRORS):
                    limit = self.sandbox.limits.memory / 2**30
                    self._note(
                        Reason.MEMORY,
                        f"{self._where(index)}: an allocation failed at the {limit:g} GiB memory limit",
                    )
                    return


class Watchdog(threading.Thread):
    """Watches a sandbox from outside and stops it when all its processes together use more memory
    than the limit (RLIMIT_AS bounds each process, not their sum), or when it fills its socket
    folder. It runs in the grader, so nothing in the sandbox can switch it off."""

    def __init__(
        self,
        pid: int,
        memory: int,
        run: Path,
        interval: float = 0.2,
        cgroup: Cgroup | None = None,
        deadline: float | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.pid, self.memory, self.sockets, self.interval = pid, memory, run, interval
        self.cgroup, self.deadline = cgroup, deadline
        self.stop = threading.Event()
        self.reason = ""
        self.kind = ""  # "memory", "time" or "sockets"

    def _tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.pid)
        return [root, *root.children(recursive=True)]

    @staticmethod
    def _used(processes: list[psutil.Process], kind: str) -> int:
        total = 0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                info = process.memory_full_info() if kind == "pss" else process.memory_info()
                total += getattr(info, kind)
        return total

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.wait(self.interval):
            if not root.is_running():
                return
            processes: list[psutil.Process] = []
            limit = f"{self.memory / 2**30:g} GiB memory limit"
            if self.cgroup is not None:
                # the kernel's own accounting, two small reads: no walk through every process
                if self.cgroup.at_memory_limit():
                    used = self.cgroup.memory_used()
                    self.kind, self.reason = (
                        "memory",
                        (
                            f"its processes used {used / 2**30:.2f} GiB of memory together, over the {limit} "
                            "(counted by the kernel's memory cgroup: shared memory and memfd included)"
                        ),
                    )
            else:
                try:
                    processes = self._tree()
                except psutil.Error:
                    return
                used = self._used(processes, "rss")
                if used > self.memory:  # forked children share pages: count each page once (PSS)
                    used = self._used(processes, "pss")
                if used > self.memory:
                    self.kind, self.reason = (
                        "memory",
                        (f"its processes used {used / 2**30:.2f} GiB of memory together, over the {limit}"),
                    )
            if not self.reason and self.deadline is not None and time.monotonic() > self.deadline:
                self.kind, self.reason = "time", "the notebook ran past its time limit"
            elif not self.reason and sum(1 for _ in os.scandir(self.sockets)) > 64:
                self.kind, self.reason = "sockets", "it created files in its socket folder"
            if self.reason:
                self._kill(processes)
                return

    def _kill(self, processes: list[psutil.Process]) -> None:
        """SIGKILL the sandbox: its cgroup, and every process of its tree."""
        if self.cgroup is not None:
            self.cgroup.kill()
        with contextlib.suppress(psutil.Error):
            processes = processes or self._tree()
        for process in processes:
            with contextlib.suppress(psutil.Error):
                process.kill()


# -- the worker process ---------------------------------------------------------------------------

_SANDBOX: Sandbox | None = None


def init_worker(
    slots, template: Sandbox, environ: dict[str, str] | None = None, cwd: str | None = None
) -> None:
    """Pool initializer: remember the sandbox template and ignore Ctrl-C (the parent handles it and
    shuts the pool down). Every job then gets a fresh uid and cgroup of its own. ``environ`` and
    ``cwd`` are the grader's (a worker forked from a fork server started earlier gets them now)."""
    global _SANDBOX
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if environ is not None:
        os.environ.clear()
        os.environ.update(environ)
        tempfile.tempdir = None  # found again from TMPDIR
    if cwd is not None:
        with contextlib.suppress(OSError):
            os.chdir(cwd)
    with contextlib.suppress(Exception):
        slots.get_nowait()
    _SANDBOX = template


def run_job(job: Job) -> Executed:
    """Execute one submission in a fresh sandbox; never raises (a failure is a grader error)."""
    assert _SANDBOX is not None, "run_job runs in a worker started with init_worker"
    try:
        uid = fresh_uid() if _SANDBOX.uid is not None else None
    except Exception as error:  # noqa: BLE001 - never raise: a failure is this student's grader error
        return Executed(job.student, None, [Reason.GRADER_ERROR], f"no sandbox user: {type(error).__name__}")
    cgroup = None
    if _SANDBOX.cgroup is not None:  # the template's says cgroups are on: one per job
        cgroup = Cgroup(f"{os.getpid()}-{time.monotonic_ns()}", job.limits.memory, job.limits.processes)
    sandbox = Sandbox(
        limits=job.limits,
        uid=uid,
        enabled=_SANDBOX.enabled,
        threads=_SANDBOX.threads,
        cgroup=cgroup,
        record=_SANDBOX.record,
        language=job.language,
        fonts=_SANDBOX.fonts,
    )
    start = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="nlpg-", dir=job.scratch))
    try:
        if cgroup is not None:
            cgroup.create()
        work, run = scratch / "w", scratch / "r"
        run.mkdir(mode=0o700)
        sandbox.give(run)
        if not sandbox.enabled:  # without the sandbox the kernel works in a copy on the host
            for source, relative in job.files:
                (work / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, work / relative)
            work.mkdir(exist_ok=True)
        nb = nbformat.reads(job.notebook, as_version=4)
        executor = SandboxedExecute(
            sandbox=sandbox,
            chapter=job.chapter,
            files=job.files,
            run=run,
            work=work,
            config=job.config,
            sources=job.sources,
            checks=job.checks,
        )
        executor.deadline = start + job.limits.wall_clock
        try:
            nb, resources = executor.preprocess(nb, {"metadata": {"path": str(run)}})
        except Exception as error:  # noqa: BLE001 - the kernel did not start: our failure, reported
            tail = executor._log_tail()
            if executor.started:
                return Executed(
                    job.student,
                    None,
                    [Reason.BAD_OUTPUT],
                    f"the kernel sent what the grader cannot read: {type(error).__name__}",
                    time.monotonic() - start,
                )
            return Executed(
                job.student,
                None,
                [Reason.GRADER_ERROR],
                f"the kernel did not start: {type(error).__name__}: {error}"
                + (f"\nkernel log:\n{tail}" if tail else ""),
                time.monotonic() - start,
            )
        for preprocessor in (IgnorePattern, LimitOutput):
            nb, resources = preprocessor(config=job.config)(nb, resources)
        records = {job.checks[index]: rec for index, rec in executor.records.items() if index in job.checks}
        return Executed(
            job.student,
            nbformat.writes(nb),
            executor.reasons,
            "; ".join(executor.details),
            time.monotonic() - start,
            records,
        )
    except Exception as error:  # noqa: BLE001 - never raise: a failure is this student's grader error
        return Executed(
            job.student,
            None,
            [Reason.GRADER_ERROR],
            f"grading failed: {type(error).__name__}: {str(error)[:300]}",
            time.monotonic() - start,
        )
    finally:
        if cgroup is not None:
            cgroup.remove()
        shutil.rmtree(scratch, ignore_errors=True)
