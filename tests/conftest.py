import os

import pytest

from tests.e2e.helpers import chromium_path


def pytest_report_header(config):
    path = chromium_path()
    found = "found" if os.access(path, os.X_OK) else "NOT FOUND: browser tests will skip"
    required = " (E2E_REQUIRED=1)" if os.environ.get("E2E_REQUIRED") == "1" else ""
    return f"chromium: {path} [{found}]{required}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Fixtures read the call phase's outcome during teardown, e.g. to screenshot a failure.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
