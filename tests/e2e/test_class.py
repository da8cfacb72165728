"""A class in real Chromium against the real server (issue 23): a lecturer and students in
separate browser contexts, on two replicas behind the project's nginx sharing one PostgreSQL
store; a restart that keeps the class; PostgreSQL stopped mid-class (a throwaway cluster of
the test's own, never the shared server); the lecturer's key kept from every student; wrong
codes rate-limited and hostile ones refused; the dashboard at 1280 x 720 with 30 results.

Every server's log must hold no traceback afterwards (helpers.tracebacks).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from classroom import codes, result
from classroom.assignment import Assignment
from classroom.store import Store
from core.compare import Lockstep
from core.config import validate
from core.trainer import Trainer
from tests import pg
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.helpers import (
    LOG_OF,
    SCREENSHOT_DIR,
    chromium_path,
    free_port,
    nginx_path,
    screenshot,
    settled,
    start_streamlit,
    tracebacks,
)

pytestmark = pytest.mark.e2e

HOST = "wri-class.test"  # Chromium resolves it to 127.0.0.1 (host-resolver-rules)
NETWORK = "depth=2&width=8&n_samples=120&batch_size=32"  # the lecturer's Explore network
STEPS = 60
RESULTS = re.compile(r"(\d+) results? in")
SECONDS = 2.0  # a post is on the dashboard within this


# ---------------------------------------------------------------- the people


def wait_text(page, text: str, timeout: float = 60_000):
    expect(page.get_by_text(text).first).to_be_visible(timeout=timeout)


def nav(page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").filter(
        has_text=name).click()


def start_class(page, base: str, steps: int = STEPS) -> dict:
    """The lecturer: a network in Explore, then "Start a class" with it on the Class page.
    Returns its address (with the key), code, key and join link."""
    page.goto(f"{base}/?{NETWORK}")
    wait_text(page, "Explore: watch a network train")
    settled(page)
    nav(page, "Class")
    wait_text(page, "Class: the room as one experiment")
    settled(page)
    page.locator("label").filter(has_text="the network now in Explore").click()
    wait_text(page, "Explore's network now: 2 hidden layers × 8 units")
    settled(page)
    box = page.get_by_role("spinbutton", name="Steps each student trains")
    box.fill(str(steps))
    box.press("Enter")  # a number input takes its value on Enter (or leaving it)
    expect(box).to_have_value(str(steps))
    settled(page)
    page.get_by_role("button", name="Start a class").click()
    wait_text(page, "the room's runs")
    expect(page.locator(".wri-status").filter(has_text=f"{steps} steps")).to_be_visible(
        timeout=30_000)
    settled(page)
    href = page.evaluate("location.href")
    found = re.search(r"class=([0-9A-Z]{8})&key=([\w-]{32})$", href)
    assert found, href
    join = page.locator(".wri-join-link").inner_text().strip()
    assert join.endswith(f"/class?class={found.group(1)}") and "key" not in join
    return {"href": href, "code": found.group(1), "key": found.group(2), "join": join}


def results_in(page) -> int:
    text = page.locator(".wri-status").filter(has_text=RESULTS).first.inner_text()
    return int(RESULTS.search(text.replace("\n", " ")).group(1))


def dashboard_shows(page, n: int, timeout: float = 30.0) -> float:
    """Wait until the lecturer's dashboard counts ``n`` results; returns when (time.time)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(Exception):
            if results_in(page) >= n:
                return time.time()
        page.wait_for_timeout(50)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"FAILED-class-dashboard-{n}.png"))
    statuses = page.locator(".wri-status").all_inner_texts()
    raise AssertionError(f"the dashboard never showed {n} results: {statuses}")


def join(page, link: str) -> None:
    """A student opens the join link: the assignment, under the class's banner."""
    page.goto(link)
    wait_text(page, "your result is shared with the class anonymously")
    expect(page.locator("strong", has_text=re.compile(r"^Step \d+$")).first).to_be_visible(
        timeout=60_000)
    settled(page)


def play_to_the_end(page, says: str = "Sent to the class") -> None:
    page.get_by_role("button", name="Play").click()
    expect(page.locator("strong", has_text=f"Step {STEPS}").first).to_be_visible(
        timeout=120_000)
    wait_text(page, says, 60_000)


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def context(browser, **kw):
    return browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **kw})


# ---------------------------------------------------------------- databases


@contextlib.contextmanager
def fresh_database():
    """A database of its own on the shared PostgreSQL server, dropped afterwards."""
    import psycopg

    server = pg.server_url()
    name = f"wri_test_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def rows(url: str, sql: str) -> list:
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        return c.execute(sql).fetchall()


# ---------------------------------------------------------------- two replicas, one store


def replica_keys(listen: int, ports: list[int], cookie: str) -> list[list[str]]:
    """For each replica, a few stickiness cookie values nginx's hash sends to it."""
    keys: list[list[str]] = [[] for _ in ports]
    for _ in range(400):
        key = secrets.token_hex(16)
        request = urllib.request.Request(f"http://127.0.0.1:{listen}/_stcore/health",
                                         headers={"Cookie": f"{cookie}={key}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            port = int(response.headers["X-Upstream"].rsplit(":", 1)[1])
        keys[ports.index(port)].append(key)
        if min(len(k) for k in keys) >= 4:
            return keys
    raise AssertionError(f"nginx sent too few keys to a replica: {[len(k) for k in keys]}")


@pytest.mark.slow
def test_a_lecturer_and_five_students_on_two_replicas_sharing_one_store(
        playwright_driver, tmp_path):
    from tests.deploy.test_nginx_replicas import (
        cookie_name,
        required,
        run_nginx,
        site_config,
    )

    required(nginx_path(), "nginx")
    required(chromium_path(), "chromium")
    shipped = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text()
    cookie = cookie_name(shipped)
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_database())
        env = {"WRI_STORE_URL": url}
        servers = [stack.enter_context(start_streamlit(env=env)) for _ in range(2)]
        ports = [int(s.rsplit(":", 1)[1]) for s in servers]
        listen = stack.enter_context(run_nginx(tmp_path, site_config(shipped, ports,
                                                                      free_port()), cookie))
        keys = replica_keys(listen, ports, cookie)
        base = f"http://{HOST}:{listen}"
        browser = playwright_driver.chromium.launch(
            executable_path=chromium_path(), headless=True,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"])
        stack.callback(browser.close)

        def person(replica: int, n: int):
            """A browser pinned to ``replica`` by its stickiness cookie, and what answered."""
            ctx = context(browser, accept_downloads=True)
            ctx.add_cookies([{"name": cookie, "value": keys[replica][n], "domain": HOST,
                              "path": "/"}])
            page = ctx.new_page()
            page.upstreams = set()
            page.on("response", lambda r: r.headers.get("x-upstream") and page.upstreams.add(
                r.headers["x-upstream"]))
            return page

        lecturer = person(0, 0)
        started = start_class(lecturer, base)
        code = started["code"]
        students = [person((i + 1) % 2, 1 + i // 2) for i in range(5)]
        for s in students:
            join(s, started["join"])
        expect(lecturer.locator(".wri-status").filter(has_text="5 students joined")
               ).to_be_visible(timeout=30_000)

        def posted_at(n_results: int) -> float:
            """When the store took the post that made ``n_results`` students' results."""
            end = time.monotonic() + 30
            while time.monotonic() < end:
                got = rows(url, "SELECT student_id, max(posted_at) FROM wri_results "
                                "GROUP BY student_id ORDER BY 2")
                if len(got) >= n_results:
                    return got[n_results - 1][1]
                time.sleep(0.05)
            raise AssertionError(f"{n_results} results never reached the store")

        lags = []
        # The first student sends early ("Send to class"), then the run posts by itself at
        # its steps: the second post replaces the first.
        first = students[0]
        first.get_by_role("button", name="Step ×10").click()
        expect(first.locator("strong", has_text="Step 10").first).to_be_visible(timeout=30_000)
        settled(first)
        first.get_by_role("button", name="Send to class").click()
        wait_text(first, "Sent to the class: your run at step 10")
        lags.append(dashboard_shows(lecturer, 1) - posted_at(1))
        for i, s in enumerate(students):
            play_to_the_end(s)
            if i:
                lags.append(dashboard_shows(lecturer, i + 1) - posted_at(i + 1))
        screenshot(students[-1], "class-student-sent")
        screenshot(lecturer, "class-dashboard-five-students")
        print(f"\nfrom a post to the dashboard, s: {', '.join(f'{x:.2f}' for x in lags)}")
        assert max(lags) <= SECONDS, lags

        status, payload = get_json(f"http://127.0.0.1:{listen}/_wri/class/{code}/results.json")
        assert status == 200 and len(payload["results"]) == 5
        assert sorted(r["student"] for r in payload["results"]) == [1, 2, 3, 4, 5]
        assert {r["steps"] for r in payload["results"]} == {STEPS}  # the early one replaced
        assert len({r["init_seed"] for r in payload["results"]}) == 5  # each their own seed
        assert rows(url, "SELECT count(*) FROM wri_results")[0][0] == 5
        # Both replicas served the class, and each browser stayed on its own.
        assert lecturer.upstreams == {f"127.0.0.1:{ports[0]}"}, lecturer.upstreams
        served = set().union(*(s.upstreams for s in students))
        assert served == {f"127.0.0.1:{p}" for p in ports}, served
        assert all(len(s.upstreams) == 1 for s in students)

        # The exports: CSV and JSON, one row a student's run.
        for name, read in (("Results (CSV)", lambda t: list(csv.DictReader(io.StringIO(t)))),
                           ("Results (JSON)", lambda t: json.loads(t)["results"])):
            with lecturer.expect_download(timeout=60_000) as download:
                lecturer.get_by_role("button", name=name).click()
            got = read(Path(download.value.path()).read_text())
            assert len(got) == 5 and {str(r["steps"]) for r in got} == {str(STEPS)}

        # Closed: no more students; deleted: gone, and its link says so.
        lecturer.get_by_role("button", name="Close the class").click()
        expect(lecturer.locator(".wri-status").filter(has_text="closed")).to_be_visible(
            timeout=30_000)
        late = person(1, 3)
        late.goto(started["join"])
        wait_text(late, "is closed")
        settled(lecturer)
        lecturer.get_by_role("button", name="Delete the class…").click()
        lecturer.get_by_role("button", name="Delete it").click()
        wait_text(lecturer, "every result of it are deleted")
        assert get_json(f"{base.replace(HOST, '127.0.0.1')}/_wri/class/{code}/results.json"
                        )[0] == 404
        for s in servers:
            assert not tracebacks(s), tracebacks(s)


# ---------------------------------------------------------------- a restart


def test_a_restart_of_the_server_keeps_the_class_and_its_results(browser, tmp_path):
    env = {"WRI_DATA_DIR": str(tmp_path)}  # the default store: an SQLite file there
    with start_streamlit(env=env) as url:
        lecturer_ctx = context(browser)
        lecturer = lecturer_ctx.new_page()
        started = start_class(lecturer, url)
        student_ctx = context(browser)
        student = student_ctx.new_page()
        join(student, started["join"])
        play_to_the_end(student)
        dashboard_shows(lecturer, 1)
        before = get_json(f"{url}/_wri/class/{started['code']}/results.json")[1]
        lecturer_ctx.close()
        student_ctx.close()
        assert not tracebacks(url), tracebacks(url)
    with start_streamlit(env=env) as again:
        page = context(browser).new_page()
        page.goto(started["href"].replace(url, again))  # the lecturer's own address
        expect(page.locator(".wri-status").filter(has_text="1 student joined")).to_be_visible(
            timeout=60_000)
        assert results_in(page) == 1
        expect(page.locator('.wri-live-chart[data-key="cls_final"] .main-svg').first
               ).to_be_visible(timeout=30_000)
        after = get_json(f"{again}/_wri/class/{started['code']}/results.json")[1]
        assert after == before
        page.context.close()
        assert not tracebacks(again), tracebacks(again)


# ---------------------------------------------------------------- the database goes down


@pytest.mark.slow
def test_a_class_survives_postgresql_going_down_and_every_post_arrives_once(browser):
    cluster = pg.Cluster()
    contexts = []
    try:
        cluster.start()
        # a lecturer and ten students: one more session than a server takes by default
        with start_streamlit(env={"WRI_STORE_URL": cluster.url,
                                  "WRI_MAX_SESSIONS": "12"}) as url:
            lecturer_ctx = context(browser)
            contexts.append(lecturer_ctx)
            lecturer = lecturer_ctx.new_page()
            started = start_class(lecturer, url)
            students = []
            for _ in range(10):
                ctx = context(browser, viewport={"width": 1000, "height": 700})
                contexts.append(ctx)
                students.append(ctx.new_page())
                join(students[-1], started["join"])
            expect(lecturer.locator(".wri-status").filter(has_text="10 students joined")
                   ).to_be_visible(timeout=30_000)

            cluster.stop("immediate")  # a crash, mid-class
            expect(lecturer.get_by_text("unavailable, retrying").first).to_be_visible(
                timeout=30_000)
            for s in students:  # ten posts during the outage: each run goes on, and waits
                play_to_the_end(s, says="Your result is waiting for the class")
                wait_text(s, "Your run goes on")
            screenshot(students[-1], "class-student-waiting")
            screenshot(lecturer, "class-dashboard-unavailable")

            cluster.start()
            end = time.monotonic() + 90  # the longest back-off is 30 s (and a little)
            while time.monotonic() < end:
                with contextlib.suppress(Exception):
                    if rows(cluster.url, "SELECT count(*) FROM wri_results")[0][0] >= 10:
                        break
                time.sleep(0.5)
            got = rows(cluster.url, "SELECT student_id, assignment_no, run, steps "
                                    "FROM wri_results")
            assert len(got) == 10 and len({r[:3] for r in got}) == 10, got  # once each
            assert {r[3] for r in got} == {STEPS}
            dashboard_shows(lecturer, 10, timeout=30)
            for s in students:
                wait_text(s, f"Sent to the class: your run at step {STEPS}", 30_000)
            time.sleep(3)  # nothing arrives twice later on
            assert rows(cluster.url, "SELECT count(*) FROM wri_results")[0][0] == 10
            for ctx in contexts:
                ctx.close()
            contexts.clear()
            assert not tracebacks(url), tracebacks(url)
    finally:
        for ctx in contexts:
            with contextlib.suppress(Exception):
                ctx.close()
        cluster.cleanup()


# ---------------------------------------------------------------- one server, SQLite


@pytest.fixture(scope="module")
def classroom_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("classes")
    with start_streamlit(env={"WRI_DATA_DIR": str(data)}) as url:
        yield url, f"sqlite:///{data / 'classes.db'}"
        assert not tracebacks(url), tracebacks(url)


def test_the_lecturers_key_never_reaches_a_student_nor_the_log(browser, classroom_server):
    url, _ = classroom_server
    lecturer = context(browser).new_page()
    started = start_class(lecturer, url)
    key = started["key"]

    ctx = context(browser)
    student = ctx.new_page()
    received: list[bytes] = []
    student.on("response", lambda r: received.append(_body(r)))

    def on_socket(ws):
        ws.on("framereceived", lambda frame: received.append(
            frame if isinstance(frame, bytes) else frame.encode()))
        ws.on("framesent", lambda frame: received.append(
            frame if isinstance(frame, bytes) else frame.encode()))

    student.on("websocket", on_socket)
    pages = []
    join(student, started["join"])
    pages.append(student.content())
    student.get_by_role("button", name="Step ×10").click()
    expect(student.locator("strong", has_text="Step 10").first).to_be_visible(timeout=30_000)
    settled(student)
    student.get_by_role("button", name="Send to class").click()
    wait_text(student, "Sent to the class: your run at step 10")
    play_to_the_end(student)
    pages.append(student.content())
    nav(student, "Class")
    wait_text(student, "You are in class")
    pages.append(student.content())
    student.reload()
    wait_text(student, "You are in class")
    settled(student)
    pages.append(student.content())
    storage = student.evaluate("JSON.stringify([document.cookie, {...sessionStorage}, "
                               "{...localStorage}, location.href])")
    ctx.close()
    # the reload found the tab's seat again: one student, one result
    payload = get_json(f"{url}/_wri/class/{started['code']}/results.json")[1]
    assert payload["joined"] == 1 and len(payload["results"]) == 1

    assert received and all(key not in p for p in pages)
    assert not [b[:200] for b in received if key.encode() in b]
    assert key not in storage
    log = LOG_OF[url].read_text(errors="replace")
    assert key not in log, "the lecturer's key is in the server's log"
    lecturer.context.close()


def _body(response) -> bytes:
    with contextlib.suppress(Exception):
        return response.url.encode() + b"\n" + response.body()
    return response.url.encode()


def test_guessed_codes_are_rate_limited_and_hostile_ones_refused_before_any_query(
        browser, classroom_server):
    url, _ = classroom_server
    # A guesser at the Join form: five wrong codes, then "wait a minute", even for a
    # code that exists.
    real = start_class(context(browser).new_page(), url)["code"]
    guesser = context(browser).new_page()
    guesser.goto(f"{url}/class")
    wait_text(guesser, "Join a class")
    settled(guesser)

    def try_code(page, code: str) -> None:
        box = page.get_by_role("textbox", name="Class code")
        box.fill(code[:4 * codes.CODE_LENGTH])  # the box takes no more (max_chars)
        box.press("Enter")  # submits the join form: the code and the press, in one run
        settled(page)

    for _ in range(5):
        wrong = codes.new_code()
        try_code(guesser, codes.shown(wrong))
        wait_text(guesser, f"There is no class {codes.shown(wrong)}")
    try_code(guesser, real)
    wait_text(guesser, "wait a minute")
    assert guesser.evaluate("location.pathname").endswith("/class")  # not seated
    guesser.context.close()

    # Hostile codes, in a link or typed: refused for their shape before the store is asked
    # (so never counted as wrong codes either), and the app goes on.
    hostile = ["' OR '1'='1", "7K3M9Q2D'; DROP TABLE wri_classes;--", "../../etc/passwd",
               "<img src=x onerror=alert(1)>", "%00", "A" * 200]
    page = context(browser).new_page()
    for text in hostile[:2]:
        page.goto(f"{url}/class?class={urllib.request.quote(text)}")
        wait_text(page, "a class code has 8 letters and digits")
        wait_text(page, "Join a class")
        settled(page)
    for text in hostile:
        try_code(page, text)
        typed = text[:4 * codes.CODE_LENGTH]  # the box takes no more
        wait_text(page, f"“{typed.strip()[:20]}” is not a class code")
    assert page.get_by_text("wait a minute").count() == 0
    unknown = codes.new_code()
    try_code(page, codes.shown(unknown))  # a code of the right shape is asked, and counted
    wait_text(page, f"There is no class {codes.shown(unknown)}")
    assert page.locator("img[src='x']").count() == 0  # shown as text, never as markup
    page.context.close()
    for text in hostile[:4]:  # the results route: refused by its shape (or by the server's
        # own router, for a path it cannot hold), never asked of the store
        try:
            with urllib.request.urlopen(f"{url}/_wri/class/{urllib.request.quote(text, safe='')}"
                                        "/results.json", timeout=10) as r:
                status, body = r.status, r.read()
        except urllib.error.HTTPError as err:
            status, body = err.code, err.read()
        assert status in (400, 404), (text, status, body)
        if status == 404:
            assert b"class code" in body, (text, body)


# ---------------------------------------------------------------- the projector


def a_room(store_url: str, assignment: Assignment, students: int = 30,
           pick=lambda i: None) -> tuple[str, str]:
    """A class of ``students`` whose results are real runs (computed here as the server
    computes them), posted through the store directly: the picture, not the posting, is
    what is looked at."""
    store = Store(store_url)
    try:
        new = store.create_class(assignment)
        for i in range(students):
            seat = store.join(new.code, f"192.0.2.{i}")
            seed = 1000 + i
            if assignment.kind == "compare":
                entries = result.from_lockstep(
                    Lockstep(assignment.comparison(seed)).run(assignment.steps))
            else:
                run = assignment.runs(seed)[0]
                entries = [result.compute(Trainer(run).run(assignment.steps),
                                          label=assignment.labels()[0], answer=pick(i),
                                          question=assignment.question)]
            store.post(new.code, seat.token, seat.assignment_no, entries)
        return new.code, new.key
    finally:
        store.dispose()


FONT_SIZES = """() => [...document.querySelectorAll(`.st-key-class_room .wri-live-chart svg text,
  .st-key-class_room .wri-status p, .st-key-class_room [data-testid="stMarkdownContainer"] p,
  .st-key-class_room .wri-join-code, .st-key-class_room .wri-join-link`)]
  .filter((t) => t.textContent.trim() && t.getBoundingClientRect().width > 0)
  .map((t) => [t.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(t).fontSize)])"""


def projected(page, name: str) -> list[Path]:
    """The dashboard, one 1280 x 720 screen at a time, from the top."""
    shots = []
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    for k, top in enumerate(range(0, max(1, height), 700)):
        page.evaluate(f"document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, {top})")
        page.wait_for_timeout(400)
        shots.append(SCREENSHOT_DIR / f"{name}-{k + 1}.png")
        page.screenshot(path=str(shots[-1]))
    return shots


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["compare", "lesson"])
def test_the_dashboard_reads_on_a_projector_with_thirty_results(browser, classroom_server,
                                                                  kind):
    from ui.catalogue import LESSONS

    url, store_url = classroom_server
    net = validate(depth=3, width=8, n_samples=200, batch_size=32, activation="tanh")
    if kind == "compare":
        assignment = Assignment.for_compare(net, [
            net.replace(init="zeros"), net.replace(init="random_normal",
                                                   init_params={"stddev": 0.05}),
            net.replace(init="glorot_uniform"), net.replace(init="he_normal")], steps=200)
        charts = ["cls_final", "cls_trained", "cls_grads", "cls_distinct"]
    else:
        lesson = LESSONS["too_small"]
        assignment = Assignment.for_lesson(lesson, steps=100, ask=True)
        charts = ["cls_final", "cls_trained", "cls_grads", "cls_distinct", "cls_answers"]
    code, key = a_room(store_url, assignment, pick=lambda i: [0, 0, 1, 2, 0, 3][i % 6])
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(f"{url}/class?class={code}&key={key}&present=1")
    expect(page.locator(".wri-status").filter(has_text="30 results in")).to_be_visible(
        timeout=60_000)
    for chart in charts:  # a chart off screen is drawn once it is scrolled to
        page.locator(f'.wri-live-chart[data-key="{chart}"]').scroll_into_view_if_needed()
        expect(page.locator(f'.wri-live-chart[data-key="{chart}"] .main-svg').first
               ).to_be_visible(timeout=60_000)
    settled(page)
    page.wait_for_timeout(1500)
    small = [(t, s) for t, s in page.evaluate(FONT_SIZES) if s < 18]
    assert not small, small
    assert page.get_by_test_id("stSidebar").bounding_box()["x"] < 0  # folded away
    qr = page.locator("img[alt^='QR code of the join link']")
    assert qr.get_attribute("src").endswith(".png")  # sharp edges: never a JPEG
    assert qr.bounding_box()["width"] >= 250
    shots = projected(page, f"class-dashboard-{kind}-1280x720")
    assert len(shots) >= 2
    # and nothing serious for axe-core's WCAG 2.1 A and AA rules (as tests/e2e/test_screens.py)
    from tests.e2e.test_screens import AXE, AXE_RUN

    page.add_script_tag(path=str(AXE))
    found = page.evaluate(AXE_RUN)
    assert not found, "\n".join(f"{v['rule']}: {n}" for v in found for n in v["nodes"])
    page.context.close()
