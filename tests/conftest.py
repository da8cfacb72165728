import os

import pytest

from tests.e2e.helpers import chromium_path, nginx_path


def pytest_report_header(config):
    required = " (E2E_REQUIRED=1)" if os.environ.get("E2E_REQUIRED") == "1" else ""
    lines = []
    for name, path, tests in (("chromium", chromium_path(), "browser tests"),
                              ("nginx", nginx_path(), "nginx replica tests")):
        found = "found" if os.access(path, os.X_OK) else f"NOT FOUND: {tests} will skip"
        lines.append(f"{name}: {path} [{found}]{required}")
    return lines


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Fixtures read the call phase's outcome during teardown, e.g. to screenshot a failure.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver per test process: its sync API refuses a second one while the
    first runs, and the browser tests and the replica tests may share a worker."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p
