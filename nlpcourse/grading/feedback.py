"""Per-student HTML feedback that never shows hidden test source.

The page is nbgrader's feedback (``GetGrades``, ``ClearHiddenTests`` and nbgrader's ``feedback``
HTML template). Two more steps make sure hidden tests stay hidden, whatever the student's code did
in the kernel (which it controls):

* tracebacks of check cells are cut to their last line, ``ExceptionName: message`` (what
  ``InteractiveShell.xmode=Minimal`` shows, even if the student switched it back to ``Verbose``);
* every line of a hidden test that is not also visible in the release is replaced by
  ``[hidden test]`` wherever it appears in an output (a student's function can read its caller's
  source and print it).

The page is also made safe to open: outputs keep only inert formats (text, PNG/JPEG pictures; HTML,
SVG, JavaScript and widget views are shown as text) and the student's markdown answers are
escaped, so no ``<script>`` or ``onerror=`` of theirs runs in the reader's browser. Written answers
still waiting for a manual grade say "awaiting grading" instead of 0 points.
"""

from __future__ import annotations

import html as htmlmod
import os
import re

import nbformat
import nbgrader
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.exporters.html import WidgetsDataTypeFilter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import List, Unicode
from traitlets.config import Config
from traitlets.utils.importstring import import_item

from nlpcourse.grading import compat
from nlpcourse.grading.gradebook import nbgrader_resources

__all__ = ["FeedbackExporter", "FeedbackRenderer", "RedactHiddenTests", "SanitizeOutputs", "hidden_lines"]

#: Output formats kept in feedback pages; everything else is shown as text.
SAFE_MIME = ("text/plain", "image/png", "image/jpeg", "image/gif")
#: Score shown for a written answer awaiting its manual grade (replaced by words in the page).
AWAITING = -777.77

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: An ``<img`` tag without ``alt`` (nbconvert's accessibility pass gives those a placeholder).
IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)(?=[\s/>])", re.IGNORECASE)
NO_ALT = ' alt="No description has been provided for this image"'
#: A numeric character reference; those of non-ASCII characters are written as the characters.
ENTITY = re.compile(r"&#([0-9]{3,7});")
REDACTED = "[hidden test]"
#: Shorter lines (``)``, ``else:``) are not secrets and would redact innocent output.
MIN_SECRET_LENGTH = 8


def hidden_lines(sources: list[str], visible: str, begin: str, end: str) -> list[str]:
    """Stripped lines between the hidden-test delimiters of ``sources`` that are not in ``visible``,
    and the delimiter lines themselves."""
    lines: set[str] = set()
    for source in sources:
        inside = False
        for line in source.splitlines():
            if begin in line or end in line:
                inside = begin in line
                lines.add(line.strip())
            elif inside and len(line.strip()) >= MIN_SECRET_LENGTH and line.strip() not in visible:
                lines.add(line.strip())
    return sorted(lines, key=len, reverse=True)


class RedactHiddenTests(NbGraderPreprocessor):
    """Cut check-cell tracebacks to their last line and blank out hidden test lines in all outputs."""

    secrets = List(Unicode(), help="hidden test lines to remove from outputs").tag(config=False)

    def _redact(self, text: str) -> str:
        if not self.secrets:
            return text
        plain = ANSI.sub("", text)
        if not any(secret in plain for secret in self.secrets):
            return text
        for secret in self.secrets:
            plain = plain.replace(secret, REDACTED)
        return plain

    def _redact_output(self, out: NotebookNode, check_cell: bool) -> None:
        if out.output_type == "error":
            if check_cell:
                out.traceback = [f"{out.ename}: {out.evalue}"]
            out.evalue = self._redact(str(out.evalue))
            out.traceback = [self._redact(line) for line in out.traceback]
        elif out.output_type == "stream":
            out.text = self._redact(out.text)
        for mime, value in out.get("data", {}).items():
            if isinstance(value, str) and mime.startswith("text/"):
                out.data[mime] = self._redact(value)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type == "code":
            check_cell = is_grade(cell) and not is_solution(cell)
            for out in cell.outputs:
                self._redact_output(out, check_cell)
        return cell, resources


class SanitizeOutputs(NbGraderPreprocessor):
    """Outputs keep only inert formats; the student's markdown answers are escaped; ungraded written
    answers are marked as awaiting grading."""

    awaiting = List(Unicode(), help="grade ids waiting for a manual grade").tag(config=False)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                data = out.get("data")
                if not data:
                    continue
                unsafe = {mime: value for mime, value in data.items() if mime not in SAFE_MIME}
                for mime in unsafe:
                    del data[mime]
                if unsafe and "text/plain" not in data:
                    value = next(iter(unsafe.values()))
                    data["text/plain"] = value if isinstance(value, str) else str(value)[:2000]
        elif cell.cell_type == "markdown" and is_solution(cell):
            cell.source = htmlmod.escape(cell.source, quote=False)
            cell.pop("attachments", None)
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") in self.awaiting:
            meta["score"] = AWAITING
        return cell, resources


def _mark_awaiting(page: str, pending: float) -> str:
    """Words instead of the placeholder score of answers awaiting grading."""
    page = re.sub(rf"Score: {AWAITING:.2f} / ([0-9.]+)", r"awaiting grading (\1 points)", page)
    if pending:
        page = re.sub(
            r"\(Score: ([0-9.]+) / ([0-9.]+)\)</h4>",
            rf"(Score: \1 / \2; {pending:g} points of written answers awaiting grading)</h4>",
            page,
            count=1,
        )
    return page


def _character(match: re.Match) -> str:
    """A non-ASCII character for its reference (``&#27426;`` -> 欢), as nbconvert's own pass writes
    it; ASCII references (``&#60;`` is ``<``) stay escaped."""
    code = int(match.group(1))
    if code < 128 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return match.group(0)
    return chr(code)


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter, with two savings for a class of pages from one notebook.

    * Its accessibility pass is done by a regular expression. That pass parses and writes out the
      whole page again with BeautifulSoup (a third of the CPU a page costs); in nbgrader's feedback
      template all it changes is a placeholder ``alt`` for pictures without one (the elements it
      makes focusable are JupyterLab's, not in this template). Any other template gets nbconvert's
      own pass.
    * Highlighted code is remembered: most cells are the same in every student's notebook.
    """

    #: Highlighted cells kept, at most.
    HIGHLIGHTED = 4096

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._highlighted: dict[tuple, str] = {}

    def _highlight(self, lexer: str | None):  # noqa: ANN202 - a Jinja filter
        highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))

        def highlight_code(source: str, language: str | None = None, metadata: dict | None = None) -> str:
            key = (lexer, source, language, str((metadata or {}).get("magics_language", "")))
            if key not in self._highlighted:
                if len(self._highlighted) >= self.HIGHLIGHTED:
                    self._highlighted.clear()
                self._highlighted[key] = highlight(source, language=language, metadata=metadata)
            return self._highlighted[key]

        return highlight_code

    def from_notebook_node(self, nb: NotebookNode, resources: dict | None = None, **kw):
        if self.template_name != "feedback":
            return super().from_notebook_node(nb, resources, **kw)
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self._highlight(lexer)
        resources = compat.exporter_resources(self, resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=compat.notebook_metadata(self), parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        page = IMG_WITHOUT_ALT.sub(lambda match: match.group(0) + NO_ALT, page)
        return ENTITY.sub(_character, page), resources


class FeedbackRenderer:
    """Renders one autograded notebook as nbgrader's feedback page, hidden tests removed."""

    def __init__(self, config: Config, db_url: str, chapter: str, release: str) -> None:
        self.config, self.db_url, self.chapter = config, db_url, chapter
        begin = config.ClearHiddenTests.get("begin_test_delimeter", "BEGIN HIDDEN TESTS")
        end = config.ClearHiddenTests.get("end_test_delimeter", "END HIDDEN TESTS")
        with Gradebook(db_url) as gb:
            sources = [cell.source for cell in gb.find_notebook(chapter, chapter).source_cells]
        visible = "\n".join(c.source for c in nbformat.read(release, as_version=4).cells)
        default = [GetGrades, CSSHTMLHeaderPreprocessor]
        configured = [
            import_item(cls) if isinstance(cls, str) else cls
            for cls in config.GenerateFeedback.get("preprocessors", default)
        ]
        if ClearHiddenTests not in configured:
            configured.insert(1, ClearHiddenTests)
        html = Config()
        here = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
        html.HTMLExporter.template_name = "feedback"
        html.HTMLExporter.sanitize_html = True
        html.HTMLExporter.extra_template_basedirs = [os.path.join(here, "templates")]
        html.HTMLExporter.extra_template_paths = [
            os.path.join(here, "static", "node_modules", "bootstrap", "dist", "css")
        ]
        html.merge(config)
        self.exporter = FeedbackExporter(config=html)
        for cls in configured:
            self.exporter.register_preprocessor(cls(config=config), enabled=True)
        secrets = hidden_lines(sources, visible, begin, end)
        self.exporter.register_preprocessor(RedactHiddenTests(secrets=secrets), enabled=True)
        self.sanitizer = SanitizeOutputs()
        self.exporter.register_preprocessor(self.sanitizer, enabled=True)

    def _awaiting(self, student: str) -> tuple[list[str], float]:
        with Gradebook(self.db_url) as gb:
            sub = gb.find_submission_notebook(self.chapter, self.chapter, student)
            grades = [g for g in sub.grades if g.needs_manual_grade]
            return [g.name for g in grades], float(sum(g.max_score for g in grades))

    def render(self, nb: NotebookNode, student: str) -> str:
        resources = nbgrader_resources(self.db_url, self.chapter, student)
        self.sanitizer.awaiting, pending = self._awaiting(student)
        body, _ = self.exporter.from_notebook_node(nb, resources=resources)
        return _mark_awaiting(body, pending)
