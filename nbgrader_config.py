"""nbgrader configuration of the course: solutions/ is the source, notebooks/ the student release."""

import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

RUN_ALL_TAG = "raises-exception"


class TagExerciseCells(Preprocessor):
    """Tag every answer and check cell of the release ``raises-exception``.

    An unanswered exercise then does not stop **Run All**: JupyterLab and nbclient go on past a cell
    with this tag when it fails. The cell still ends in an error output (a short one, see
    ``nlpcourse.notebook.short_errors``), so nbgrader still scores it 0. Runs on every chapter at
    release time, so new chapters get it without anyone remembering.
    """

    enabled = True

    def preprocess_cell(self, cell, resources, index):  # noqa: ANN001, ANN201 - nbconvert's API
        grader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (grader.get("solution") or grader.get("grade")):
            tags = list(cell.metadata.get("tags", []))
            if RUN_ALL_TAG not in tags:
                cell.metadata["tags"] = [*tags, RUN_ALL_TAG]
        return cell, resources

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "nlpcourse"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Each cell gets at most this many seconds when nbgrader executes a notebook (validate, autograde);
# fast mode keeps a whole chapter under a minute, so a cell past this is a runaway loop.
c.Execute.timeout = 120
# Tracebacks in autograded notebooks and feedback show only the exception line, never the source of
# the (hidden) test that raised it.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--InteractiveShell.xmode=Minimal"]

# A student who deleted or edited a check cell gets the original back when graded.
c.OverwriteCells.add_missing_cells = True

# The release: nbgrader's own steps, then the Run All tag on answer and check cells.
c.GenerateAssignment.preprocessors = [
    *GenerateAssignment.class_traits()["preprocessors"].default(), TagExerciseCells,
]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback shows each check cell with its hidden tests removed.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
