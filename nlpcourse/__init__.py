"""nlpcourse: the support package of a Jupyter course on NLP and pretrained language models.

Each chapter's notebook imports the reference implementation of what it teaches from here:
``nlpcourse.transformer`` (chapter 05), ``nlpcourse.check`` (exercise checks), ``nlpcourse.notebook``
(fast mode, seeds, threads), ``nlpcourse.train`` (the shared training loop), ``nlpcourse.plots`` and
``nlpcourse.widgets``.
"""

__version__ = "0.1.0"
