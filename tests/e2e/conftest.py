import os
import re

import pytest

from tests.e2e.helpers import chromium_path, screenshot, start_streamlit, tracebacks

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    # Containers often have a 64 MB /dev/shm; Debian's launcher means to add this flag itself,
    # but its check breaks when findmnt reports more than one mount.
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def streamlit_server():
    with start_streamlit() as url:
        yield url
        # Whatever a test clicked, the server never failed: no traceback in its log.
        assert not tracebacks(url), tracebacks(url)


@pytest.fixture(scope="session")
def browser(playwright_driver):
    path = chromium_path()
    if not os.access(path, os.X_OK):
        message = f"headless Chromium not found at {path}"
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(f"{message}, and E2E_REQUIRED=1: install Debian's chromium", pytrace=False)
        pytest.skip(f"{message}; browser tests skipped (CI installs it)")

    browser = playwright_driver.chromium.launch(executable_path=path, headless=True,
                                                args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        screenshot(page, "FAILED-" + re.sub(r"[^\w.-]+", "_", request.node.nodeid))
    context.close()
