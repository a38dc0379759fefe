"""The ``nlpcourse`` command: ``nlpcourse course``, ``slides``, ``publish`` and ``grade``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nlpcourse import course


def _course(args: argparse.Namespace) -> int:
    runs = course.run_course(
        args.chapters or None,
        fast=args.fast,
        out_dir=Path(args.out) if args.out else None,
        language=args.edition,
    )
    print()
    print(course.format_table(runs))
    return 0 if all(run.status == "ok" for run in runs) else 1


def _slides(args: argparse.Namespace) -> int:
    from nlpcourse.slides import SlidesError, build_slides

    try:
        slides = build_slides(args.chapter, solutions=args.solutions, fast=args.fast)
    except SlidesError as error:
        print(f"nlpcourse slides: {error}", file=sys.stderr)
        return 2
    print(
        f"slides: {slides.html} ({slides.slides} slides; reveal.js and MathJax in {slides.assets}: "
        "works offline, open it from disk)"
    )
    return 0


def _publish(args: argparse.Namespace) -> int:
    from nlpcourse.publish import PublishError, publish

    try:
        edition = publish(Path(args.dest), repo=args.repo, branch=args.branch)
    except (PublishError, FileNotFoundError) as error:
        print(f"nlpcourse publish: {error}", file=sys.stderr)
        return 2
    print(
        f"student edition: {edition.path} ({edition.files} files; chapters {' '.join(edition.chapters)}); "
        "no solution block or hidden test found in it. Commit and push it to the students' repository."
    )
    return 0


def _grade(args: argparse.Namespace) -> int:
    from nlpcourse.grading import (
        GradingError,
        Limits,
        Options,
        SandboxError,
        default_workers,
        export,
        format_table,
        grade,
        parse_size,
        printable,
    )
    from nlpcourse.grading.gradebook import load_config, venv_on_path

    venv_on_path()  # nbgrader runs alembic by name: works when called by full path outside the venv
    root = Path(args.course).resolve() if args.course else course.course_root()
    if args.export or args.submissions is None:
        if not args.export:
            print(
                "nlpcourse grade: pass SUBMISSIONS (a folder or an LMS .zip), or --export to rewrite "
                "the CSV and JSON from the gradebook",
                file=sys.stderr,
            )
            return 2
        try:
            report = export(args.chapter, root=root, csv_path=Path(args.csv) if args.csv else None)
        except (GradingError, ValueError, FileNotFoundError) as error:
            print(f"nlpcourse grade: {error}", file=sys.stderr)
            return 2
        print(format_table(report.results))
        print(f"\nexported from the gradebook: LMS CSV {report.csv}, {report.json}")
        return 0
    try:
        timeout = args.timeout or int(load_config(root).Execute.get("timeout", 0) or Limits.cell_timeout)
        limits = Limits(
            cell_timeout=timeout,
            memory=parse_size(args.memory),
            processes=args.processes or Limits.processes,
            cpu_time=args.cpu_time or Limits.cpu_time,
            output=parse_size(args.output_limit),
            notebook_time=args.notebook_timeout or max(60, 3 * timeout),
        )
        options = Options(
            workers=args.workers or default_workers(),
            limits=limits,
            sandbox=not args.no_sandbox,
            regexp=args.regexp,
            csv=Path(args.csv) if args.csv else None,
            progress=not args.quiet,
        )
        if args.no_sandbox:
            print(
                "warning: --no-sandbox: student code runs with your rights and can read the whole "
                "course folder; only for code you trust",
                file=sys.stderr,
            )
        report = grade(args.chapter, Path(args.submissions), root=root, options=options)
    except (GradingError, SandboxError, ValueError, FileNotFoundError) as error:
        print(f"nlpcourse grade: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nlpcourse grade: interrupted; grades recorded so far are in the gradebook", file=sys.stderr)
        return 130
    for notice in report.notices:
        print(f"note: {notice}", file=sys.stderr)
    print(format_table(report.results))
    print(
        f"\n{len(report.results)} submissions in {report.seconds:.0f} s; "
        f"gradebook {root / 'gradebook.db'}, feedback in {root / 'feedback'}, LMS CSV {report.csv}"
    )
    flagged = [r for r in report.results if r.flags]
    if flagged:
        names = ", ".join(f"{printable(r.student, 40)} ({', '.join(r.flags)})" for r in flagged)
        print(
            f"review {len(flagged)} submission(s) whose code touches the grading machinery: {names}",
            file=sys.stderr,
        )
    if report.ungraded:
        names = ", ".join(f"{printable(r.student, 40)} ({r.outcome})" for r in report.ungraded)
        print(f"could not grade {len(report.ungraded)} submission(s): {names}", file=sys.stderr)
    return report.exit_code


def _edition(args: argparse.Namespace) -> int:
    from nlpcourse.editions import TranslationError, run

    try:
        return run(args.language, args.chapters, check=args.check, update_files=args.update)
    except (TranslationError, ValueError) as error:
        print(f"nlpcourse edition: {error}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nlpcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("course", help="run chapters with papermill and print a timing table")
    p.add_argument("chapters", nargs="*", help="chapter names, e.g. 05_attention (default: all)")
    p.add_argument("--fast", action="store_true", help="run in fast mode (as CI and grading do)")
    p.add_argument("--out", help="output folder (default build/executed)")
    p.add_argument("--edition", default="en", choices=["en", "zh"], help="which edition to run (default en)")
    p.set_defaults(func=_course)

    p = sub.add_parser("slides", help="export a chapter as offline reveal.js slides from the student release")
    p.add_argument("chapter")
    p.add_argument("--fast", action="store_true", help="run the chapter in fast mode")
    p.add_argument(
        "--solutions",
        action="store_true",
        help="show the answers in the exercise cells (hidden tests are never shown)",
    )
    p.set_defaults(func=_slides)

    p = sub.add_parser("publish", help="write the student edition (no answers) into a folder, ready to push")
    p.add_argument("dest", help="folder for the student repository (new, empty, or an earlier edition)")
    p.add_argument(
        "--repo",
        default="OWNER/nlpcourse-student",
        help="the student repository on GitHub, OWNER/NAME, for its Binder badge and links",
    )
    p.add_argument("--branch", default="main", help="its branch (default main)")
    p.set_defaults(func=_publish)

    p = sub.add_parser("grade", help="autograde a class's submissions of a chapter, in parallel sandboxes")
    p.add_argument("chapter", help="chapter (nbgrader assignment), e.g. 05_attention")
    p.add_argument(
        "submissions",
        nargs="?",
        help="folder of student folders, or an LMS .zip (nbgrader zip_collect file names)",
    )
    p.add_argument(
        "--export",
        action="store_true",
        help="grade nothing: rewrite the CSV and JSON from the gradebook (after manual grading)",
    )
    p.add_argument(
        "--notebook-timeout",
        type=int,
        default=None,
        help="wall-clock seconds per notebook (default: 3 x --timeout, at least 60)",
    )
    p.add_argument("--workers", type=int, default=None, help="parallel kernels (default: number of cores)")
    p.add_argument(
        "--timeout",
        type=int,
        default=None,
        help="seconds per cell before a kernel is interrupted (default: Execute.timeout of "
        "nbgrader_config.py)",
    )
    p.add_argument(
        "--memory",
        default="4G",
        help="memory per kernel: each process's address space, and all its processes' "
        "resident memory together (default 4G)",
    )
    p.add_argument(
        "--processes",
        type=int,
        default=None,
        help="processes and threads per sandbox, when grading as root (default 256)",
    )
    p.add_argument("--cpu-time", type=int, default=None, help="CPU seconds per kernel process (default 900)")
    p.add_argument("--output-limit", default="2M", help="output kept per cell (default 2M)")
    p.add_argument(
        "--regexp",
        help="named regular expression for LMS file names (nbgrader's FileNameCollectorPlugin.named_regexp)",
    )
    p.add_argument("--csv", help="where the LMS CSV goes (default grades/<chapter>.csv)")
    p.add_argument("--course", help="course folder (default: the one holding solutions/)")
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run kernels without isolation (limits still apply): only for trusted code",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_grade)

    p = sub.add_parser(
        "edition", help="the Chinese edition: check or update its translations, write its release"
    )
    p.add_argument("language", help="zh")
    p.add_argument("chapters", nargs="*", help="chapter names (default: all)")
    action = p.add_mutually_exclusive_group()
    action.add_argument(
        "--check", action="store_true", help="list missing and stale translations (exit 1 if any)"
    )
    action.add_argument(
        "--update",
        action="store_true",
        help="add new cells to the translation files; refresh glossary cells and GLOSSARY.md",
    )
    p.set_defaults(func=_edition)

    args, extra = parser.parse_known_args(argv)
    # `nlpcourse edition zh --check 03_ngram`: chapters may follow the flag
    if extra and args.command == "edition" and not any(e.startswith("-") for e in extra):
        args.chapters = [*args.chapters, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
