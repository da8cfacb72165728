"""The hashed locks agree with the requirements files, and the venv with the locks.

`make` installs requirements-dev.lock with --require-hashes, the Docker image
requirements.lock, `make bench-engine` requirements-bench.lock; `make lock` makes all three
from the requirements files. These tests fail when a requirements file was edited and the
locks were not made again, or when the venv running them holds something else.
"""

from __future__ import annotations

import re
import shlex
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
LOCKS = {"requirements.txt": "requirements.lock", "requirements-dev.txt": "requirements-dev.lock",
         "requirements-bench.txt": "requirements-bench.lock"}
# Installed by `python -m venv` itself, not by the lock.
VENV_OWN = {"pip", "setuptools", "wheel"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)\s*(;[^\\]*)?")


def requirements(name: str) -> dict[str, str]:
    """name -> version pinned by a requirements file and the files it includes (-r)."""
    pins = {}
    for line in (REPO / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(requirements(line[3:].strip()))
        elif line:
            found = PIN.match(line)
            assert found, f"{name}: {line!r} is not pinned with == (a lock needs exact versions)"
            pins[canonicalize_name(found.group(1))] = found.group(3)
    return pins


def lock(name: str) -> dict[str, dict]:
    """name -> {"version", "marker", "hashes"} of a lock file."""
    entries, current = {}, None
    for line in (REPO / name).read_text().splitlines():
        found = PIN.match(line)
        if found:
            marker = (found.group(4) or "").lstrip(";").strip() or None
            current = {"version": found.group(3), "marker": marker, "hashes": []}
            entries[canonicalize_name(found.group(1))] = current
        elif line.strip().startswith("--hash=sha256:") and current is not None:
            current["hashes"].append(line.strip().split(":", 1)[1].rstrip(" \\"))
    return entries


def applies(entry: dict) -> bool:
    return entry["marker"] is None or Marker(entry["marker"]).evaluate()


def makefile_lock_commands() -> list[list[str]]:
    """The `uv pip compile` command lines of the Makefile's lock target, variables expanded."""
    text = (REPO / "Makefile").read_text().replace("\\\n", " ")
    variables = dict(re.findall(r"^(\w+) :?= (.*)$", text, re.M))
    target = text.split("\nlock:", 1)[1].split("\n\n", 1)[0]
    commands = []
    for line in target.splitlines()[1:]:
        line = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), ""), line.strip())
        words = shlex.split(line)
        if "compile" in words:
            commands.append(words[words.index("compile") + 1:])
    return commands


@pytest.mark.parametrize("source", LOCKS)
def test_every_pin_of_a_requirements_file_is_in_its_lock_at_that_version(source):
    locked = lock(LOCKS[source])
    for name, version in requirements(source).items():
        assert name in locked, f"{name} is in {source} but not {LOCKS[source]}: run `make lock`"
        assert locked[name]["version"] == version, (
            f"{source} pins {name}=={version}, {LOCKS[source]} has "
            f"{locked[name]['version']}: run `make lock`")


@pytest.mark.parametrize("name", LOCKS.values())
def test_every_locked_package_has_a_hash(name):
    entries = lock(name)
    assert len(entries) >= len(requirements(next(k for k, v in LOCKS.items() if v == name)))
    unhashed = [package for package, entry in entries.items() if not entry["hashes"]]
    assert not unhashed, f"{name}: no hash for {unhashed}"
    for package, entry in entries.items():
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in entry["hashes"]), package


def test_the_locks_agree_with_each_other():
    """The image runs the versions the tests ran: the app's lock is the dev lock's share."""
    app, dev, bench = (lock(LOCKS[k]) for k in LOCKS)
    for name, entry in app.items():
        assert name in dev and dev[name]["version"] == entry["version"], name
    for name in bench.keys() & dev.keys():
        assert bench[name]["version"] == dev[name]["version"], name


def test_each_lock_was_made_by_the_makefiles_command():
    """A lock's header names the command that made it; `make lock` runs the same ones."""
    commands = makefile_lock_commands()
    assert len(commands) == len(LOCKS)
    for name in LOCKS.values():
        header = (REPO / name).read_text().splitlines()[1].lstrip("# ")
        made = shlex.split(header)[3:]  # after "uv pip compile"
        expected = next(c for c in commands if c[c.index("-o") + 1] == name)
        # uv leaves --quiet and the find-links (a machine's path) out of the header.
        if "--find-links" in expected:
            at = expected.index("--find-links")
            expected = expected[:at] + expected[at + 2:]
        expected = [word for word in expected if word != "--quiet"]
        assert sorted(made) == sorted(expected), f"{name}: made by {made}, not {expected}"


def test_the_venv_holds_exactly_the_dev_lock():
    """What `make` installed: every package of the dev lock at its version, and nothing else
    but pip's own and the optional benchmark packages (`make bench-engine`)."""
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    dev, bench = lock("requirements-dev.lock"), lock("requirements-bench.lock")
    for name, entry in dev.items():
        if applies(entry):
            assert installed.get(name) == entry["version"], (
                f"{name}: the lock says {entry['version']}, the venv has {installed.get(name)}: "
                "run `make` (a changed lock makes a new venv)")
    extra = set(installed) - set(dev) - set(bench) - VENV_OWN
    assert not extra, f"installed but in no lock: {sorted(extra)}"
