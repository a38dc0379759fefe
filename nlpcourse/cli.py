"""The ``nlpcourse`` command: ``nlpcourse course`` and ``nlpcourse slides``."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from nlpcourse import course


def _course(args: argparse.Namespace) -> int:
    runs = course.run_course(args.chapters or None, fast=args.fast,
                             out_dir=Path(args.out) if args.out else None)
    print()
    print(course.format_table(runs))
    return 0 if all(run.status == "ok" for run in runs) else 1


def _slides(args: argparse.Namespace) -> int:
    root = course.course_root()
    notebook = root / "solutions" / args.chapter / f"{args.chapter}.ipynb"
    if not notebook.is_file():
        print(f"no chapter {args.chapter!r}: choose from {course.chapters(root)}", file=sys.stderr)
        return 2
    out = root / "build" / "slides"
    out.mkdir(parents=True, exist_ok=True)
    executed = root / "build" / "executed" / f"{args.chapter}.ipynb"
    if not executed.is_file():
        run = course.run_chapter(args.chapter, fast=args.fast, root=root)
        if run.status != "ok":
            print(f"{args.chapter}: {run.status}", file=sys.stderr)
            return 1
    command = [sys.executable, "-m", "nbconvert", "--to", "slides", str(executed),
               "--output-dir", str(out), "--SlidesExporter.reveal_scroll=True",
               "--SlidesExporter.reveal_url_prefix=" + args.reveal]
    subprocess.run(command, check=True)
    print(f"slides: {out / (args.chapter + '.slides.html')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nlpcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("course", help="run chapters with papermill and print a timing table")
    p.add_argument("chapters", nargs="*", help="chapter names, e.g. 05_attention (default: all)")
    p.add_argument("--fast", action="store_true", help="run in fast mode (as CI and grading do)")
    p.add_argument("--out", help="output folder (default build/executed)")
    p.set_defaults(func=_course)

    p = sub.add_parser("slides", help="export a chapter as reveal.js slides")
    p.add_argument("chapter")
    p.add_argument("--fast", action="store_true")
    p.add_argument("--reveal", default="https://unpkg.com/reveal.js@4.6.1",
                   help="where reveal.js is loaded from (a local folder for offline lectures)")
    p.set_defaults(func=_slides)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
