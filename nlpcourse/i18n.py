"""The course in two languages: which language a notebook speaks, and the course's own strings in it.

Every chapter exists in English (``notebooks/NN_name/``) and in Chinese (``notebooks/zh/NN_name/``),
generated from the same ``solutions/`` source (see :mod:`nlpcourse.editions`). The code cells of both
editions are identical, so the language a kernel speaks comes from the notebook, not from its code:

1. the environment variable ``NLPCOURSE_LANGUAGE`` (``nlpcourse grade`` sets it from the submission);
2. else the notebook's metadata ``nlpcourse.language``, read from the notebook the kernel runs
   (JupyterLab tells the kernel its path; else the only chapter notebook in the current folder);
3. else English.

:func:`tr` gives the course's strings in that language: the check messages of :mod:`nlpcourse.check`
(templates such as ``"expected shape {expected}, got shape {got}"``), the hints written in check cells,
plot and widget labels. The Chinese strings live in ``nlpcourse/locale/zh/``: ``messages.yml`` for the
package, one file per chapter for the strings its student release shows; the instructor's course
folder adds ``translations/zh/`` (hidden tests' strings too). A string without a translation is shown
in English. In a Chinese notebook, :func:`use_notebook_language` (called by
:func:`nlpcourse.notebook.start`) also routes every text matplotlib draws and every widget label
through :func:`tr`, and picks a font that has Chinese glyphs.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

#: Languages of the course: English (the source) and Simplified Chinese.
LANGUAGES = ("en", "zh")
#: Environment variable that overrides the notebook's language (``en`` or ``zh``).
ENV = "NLPCOURSE_LANGUAGE"
LOCALE = Path(__file__).resolve().parent / "locale"
#: The instructor's translation files (absent from the student edition).
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
#: Fonts with Chinese glyphs, best first (Debian's fonts-noto-cjk installs the first).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)

_chosen: str | None = None


def check_language(language: str) -> str:
    """``language`` if the course has it, else a ValueError naming the choices."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    return language


def set_language(language: str | None) -> None:
    """Speak ``language`` from now on in this process (None: decide from the environment again)."""
    global _chosen
    _chosen = None if language is None else check_language(language)


def current_notebook(namespace: dict[str, Any] | None = None) -> Path | None:
    """The notebook this kernel runs, or None: JupyterLab tells the kernel its path (``__session__``,
    ``JPY_SESSION_NAME``); else the only chapter notebook (``NN_name.ipynb``) in the current folder."""
    candidates = [(namespace or {}).get("__session__"), os.environ.get("JPY_SESSION_NAME")]
    for candidate in candidates:
        if candidate and str(candidate).endswith(".ipynb") and Path(candidate).is_file():
            return Path(candidate)
    found = sorted(Path.cwd().glob("[0-9][0-9]_*.ipynb"))
    return found[0] if len(found) == 1 else None


def notebook_language(notebook: dict[str, Any] | str | os.PathLike) -> str:
    """The language a notebook (its JSON, or its path) declares in ``metadata.nlpcourse.language``."""
    if not isinstance(notebook, dict):
        try:
            notebook = json.loads(Path(notebook).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "en"
    declared = notebook.get("metadata", {}).get("nlpcourse", {}).get("language", "en")
    return declared if declared in LANGUAGES else "en"


def language(namespace: dict[str, Any] | None = None) -> str:
    """The language this process speaks: set_language, else ``NLPCOURSE_LANGUAGE``, else English."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get(ENV, "").strip().lower()
    if env:
        return env if env in LANGUAGES else "en"
    return "en"


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak ``language`` inside the ``with`` block (the grader, one submission after another)."""
    global _chosen
    previous, _chosen = _chosen, check_language(language)
    try:
        yield
    finally:
        _chosen = previous


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """English string → its translation, from ``nlpcourse/locale/<language>/`` and, in the instructor's
    course folder, ``translations/<language>/``."""
    import yaml

    table: dict[str, str] = {}
    paths = [
        p
        for folder in (LOCALE / language, TRANSLATIONS / language)
        if folder.is_dir()
        for p in sorted(folder.glob("*.yml"))
    ]
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section in ("messages", "strings"):
            for english, translated in (data.get(section) or {}).items():
                if isinstance(english, str) and isinstance(translated, str) and translated.strip():
                    table[english] = translated
    return table


def tr(text: str, /, **fields: Any) -> str:
    """``text`` in the current language, formatted with ``fields`` (``str.format``) when given.

    ``text`` is the English template and the key of the translation: ``tr("expected {n} items", n=3)``.
    Without a translation the English is used, so a new message is never lost, only untranslated.
    """
    lang = language()
    template = catalog(lang).get(text, text) if lang != "en" and isinstance(text, str) else text
    return template.format(**fields) if fields else template


def tr_many(texts: Iterable[str]) -> list[str]:
    """:func:`tr` of each string."""
    return [tr(text) for text in texts]


# --- a Chinese notebook: figures and widgets ------------------------------------------------------


def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is None:  # installed after matplotlib cached its font list: add the files themselves
        for path in font_manager.findSystemFonts():
            if any(mark in Path(path).name for mark in ("CJK", "wqy", "SourceHanSans")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        installed = {font.name for font in font_manager.fontManager.ttflist}
        found = next((name for name in CJK_FONTS if name in installed), None)
    return found


def _translate_text(original):  # noqa: ANN001, ANN202 - wraps matplotlib's Text.set_text
    @functools.wraps(original)
    def set_text(self, s):  # noqa: ANN001, ANN202
        return original(self, tr(s) if isinstance(s, str) and s and language() != "en" else s)

    set_text._nlpcourse_i18n = True  # noqa: SLF001 - marks the wrapper, so it is installed once
    return set_text


def _translate_widget(widget: Any) -> None:
    """Translate a new widget's description (its label) and button text."""
    if language() == "en":
        return
    for trait in ("description", "placeholder", "tooltip"):
        value = getattr(widget, trait, None)
        if isinstance(value, str) and value:
            translated = tr(value)
            if translated != value:
                setattr(widget, trait, translated)


def use_language_hooks() -> None:
    """In a Chinese notebook: a Chinese font first in matplotlib, labels through :func:`tr`."""
    if language() == "en":
        return
    import matplotlib
    import matplotlib.text

    font = cjk_font()
    if font is None:
        warnings.warn(
            "no font with Chinese glyphs is installed, so Chinese text in figures shows as boxes: "
            "install Noto CJK (Debian/Ubuntu: `sudo apt-get install fonts-noto-cjk`, or run "
            "`sudo .ci/install-system-packages`), then restart the kernel",
            stacklevel=2,
        )
    else:
        families = list(matplotlib.rcParams["font.sans-serif"])
        matplotlib.rcParams["font.sans-serif"] = [font, *[f for f in families if f != font]]
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212
    if not getattr(matplotlib.text.Text.set_text, "_nlpcourse_i18n", False):
        matplotlib.text.Text.set_text = _translate_text(matplotlib.text.Text.set_text)
    try:
        import ipywidgets
    except ImportError:
        return
    if not getattr(ipywidgets.Widget, "_nlpcourse_i18n", False):
        ipywidgets.Widget.on_widget_constructed(_translate_widget)
        ipywidgets.Widget._nlpcourse_i18n = True  # noqa: SLF001


def use_notebook_language(namespace: dict[str, Any] | None = None) -> str:
    """Speak the language of the notebook this kernel runs (unless ``NLPCOURSE_LANGUAGE`` says
    otherwise) and, in Chinese, install the figure and widget hooks. Returns the language."""
    if _chosen is None and not os.environ.get(ENV, "").strip():
        notebook = current_notebook(namespace)
        set_language(notebook_language(notebook) if notebook is not None else "en")
    use_language_hooks()
    return language()
