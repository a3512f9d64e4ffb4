"""Sphinx configuration of the skgd documentation."""

import re

import skgd

project = "skgd"
author = "the skgd developers"
copyright = "the skgd developers"
release = skgd.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax shipped with the pages, so that the formulas render without a
    # network connection (the default loads it from a CDN)
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"skgd {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "header_links_before_dropdown": 4,
}
# The section navigation only where a section has pages of its own (the
# gallery, the API reference); the single pages get the full width.
_single_pages = [
    "index",
    "getting_started",
    "user_guide",
    "migration",
    "custom_solver",
    "callbacks",
    "scaling",
    "semantics",
]
html_sidebars = {"**": ["sidebar-nav-bs"], **{page: [] for page in _single_pages}}
html_show_sourcelink = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "show_memory": False,
    "doc_module": ("skgd",),
    "backreferences_dir": "gen_modules",
}


def _unlink_sklearn_labels(app, what, name, obj, options, lines):
    """The methods skgd's estimators inherit from scikit-learn (``score``,
    ``decision_function``, ...) keep scikit-learn's docstrings, whose
    ``:ref:`` roles point to labels of scikit-learn's documentation: shown
    as literals here (the pages build offline, without intersphinx)."""
    if not getattr(obj, "__module__", "").startswith("sklearn"):
        return
    for i, line in enumerate(lines):
        lines[i] = re.sub(r":ref:`([^`<]*?)(?:\s*<[^`]*>)?`", r"``\1``", line)


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_labels)
