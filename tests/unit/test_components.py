"""The browser side: the components' JavaScript is linted, and the vendored plotly.js is the
npm package it claims to be, of the version the plotly Python package builds figures for."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import plotly
import plotly.offline
import pytest

from tests.e2e.helpers import REPO_ROOT

STATIC = REPO_ROOT / "static"
BUNDLE = (STATIC / "plotly-cartesian.min.js").read_text(encoding="utf-8")
NODE_MODULES = REPO_ROOT / "node_modules"


def _npm_installed():
    """node_modules from package-lock.json (`make test` runs `npm ci` first)."""
    if not (NODE_MODULES / ".bin" / "eslint").exists() or shutil.which("node") is None:
        message = "node_modules missing: run `npm ci` (make test does)"
        if os.environ.get("CI") or os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def test_the_components_pass_eslint():
    _npm_installed()
    result = subprocess.run([str(NODE_MODULES / ".bin" / "eslint"), "--max-warnings", "0",
                             "ui/components"], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_eslint_would_catch_a_fault():
    """The lint is not a formality: an undefined name in a component fails it."""
    _npm_installed()
    result = subprocess.run([str(NODE_MODULES / ".bin" / "eslint"), "--stdin",
                             "--stdin-filename", "ui/components/probe.js"],
                            input="export " + "default function () { return undefinedThing; }\n",
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "no-undef" in result.stdout


# Words a component's source has and Python's does not (split, so this file has neither).
JAVASCRIPT = "export " + "default function|addEventListener" + r"\("


def test_no_python_file_carries_javascript():
    for path in REPO_ROOT.glob("**/*.py"):
        if any(part in (".venv", "node_modules", "test-output") for part in path.parts):
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(JAVASCRIPT, text), path


@pytest.mark.parametrize("name, file, vendored", [
    ("plotly.js-cartesian-dist-min", "plotly-cartesian.min.js", "plotly-cartesian.min.js"),
    ("modern-screenshot", "dist/index.js", "modern-screenshot.min.js"),
])
def test_each_vendored_library_is_the_npm_package_it_names(name, file, vendored):
    """static/ holds what `npm run vendor` copies from the versions package.json pins."""
    _npm_installed()
    package = NODE_MODULES / name
    version = json.loads((package / "package.json").read_text())["version"]
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())
    assert lock["packages"][f"node_modules/{name}"]["version"] == version
    pinned = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"][name]
    assert pinned == version
    assert (package / file).read_bytes() == (STATIC / vendored).read_bytes()


def test_the_vendored_bundle_is_the_plotly_packages_version():
    header = re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", BUNDLE[:400])
    assert header and header.group(1) == plotly.offline.get_plotlyjs_version()
    package = json.loads((REPO_ROOT / "package.json").read_text())
    assert package["devDependencies"]["plotly.js-cartesian-dist-min"] == header.group(1)


def test_the_bundle_has_every_trace_type_the_figures_use():
    used = set()
    for path in (REPO_ROOT / "viz").glob("*.py"):
        used |= set(re.findall(r'type="(\w+)"', path.read_text()))
    used -= {"log", "linear", "category"}  # axis types
    used -= {"line", "rect", "circle", "path"}  # layout shapes, drawn by every bundle
    assert {"scatter", "bar", "heatmap", "image", "box", "contour"} <= used
    registered = set(re.findall(r'name:"(\w+)",basePlotModule', BUNDLE))
    assert used <= registered, used - registered


def test_the_templates_match_the_installed_package():
    package = Path(plotly.__file__).parent / "package_data" / "templates"
    ours = list((STATIC / "templates").glob("*.json"))
    assert {p.name for p in ours} == {"plotly_white.json", "plotly_dark.json"}
    for path in ours:
        assert json.loads(path.read_text()) == json.loads((package / path.name).read_text())
