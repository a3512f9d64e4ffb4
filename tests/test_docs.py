"""The documentation builds without a warning, and every gallery example runs.

One Sphinx build (``-W``: a warning is an error) executes every
``examples/plot_*.py`` through sphinx-gallery, which fails the build when an
example raises. The build works on a copy of ``docs/`` and ``examples/`` in a
temporary directory, so the source tree is left as it is and the test is safe
under ``pytest -n 2``. Nothing is fetched from the network.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
BUILD_OUTPUTS = ("_build", "auto_examples", "gen_modules", "sg_execution_times.rst")
PAGES = (
    "index",
    "getting_started",
    "user_guide",
    "migration",
    "custom_solver",
    "callbacks",
    "scaling",
    "semantics",
    "api",
    "auto_examples/index",
    "gen_modules/skgd.GDRegressor",
    "gen_modules/skgd.GDClassifier",
)


def test_docs_build_and_examples_draw(tmp_path):
    shutil.copytree(
        ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns(*BUILD_OUTPUTS)
    )
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    html = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    command += ["-d", str(tmp_path / "doctrees"), str(tmp_path / "docs"), str(html)]
    result = subprocess.run(
        command,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    for page in PAGES:
        assert (html / f"{page}.html").is_file(), page
    assert EXAMPLES
    images = html / "_images"
    for script in EXAMPLES:
        assert (html / "auto_examples" / f"{script.stem}.html").is_file(), script.name
        figures = list(images.glob(f"sphx_glr_{script.stem}_[0-9]*.png"))
        assert figures, f"{script.name} drew no figure"

    # the API pages show the inherited public methods too
    for name, methods in {
        "GDRegressor": ("score", "densify", "sparsify", "set_callbacks"),
        "GDClassifier": ("score", "decision_function", "densify", "sparsify"),
    }.items():
        page = (html / "gen_modules" / f"skgd.{name}.html").read_text("utf-8")
        for method in methods:
            assert f'id="skgd.{name}.{method}"' in page, (name, method)

    # the formulas render without a network connection: the pages load the
    # MathJax shipped with them, not a CDN's
    user_guide = (html / "user_guide.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in user_guide
    assert "cdn.jsdelivr.net" not in user_guide
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
