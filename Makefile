VENV := .venv
PY := $(VENV)/bin/python
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-n 0 -k smoke"`.
PYTEST_ARGS ?= -n 2

.PHONY: run test lint bench clean distclean lock

# The port `make run` serves on: `make run PORT=8502`.
PORT ?= 8501
# The same install every time: every package, direct or not, at the version and with the
# hashes requirements-dev.lock names (requirements.lock is its share that the Docker image
# installs). `make lock` makes both again from the requirements files.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11

# One venv serves run and test. A new lock makes a new venv, so nothing the lock dropped stays.
$(VENV)/.installed: requirements-dev.lock
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

# The tests' JavaScript tools (eslint) and the source of static/plotly-cartesian.min.js, as
# package-lock.json pins them. The app itself runs without Node.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# As in the Docker image: one BLAS thread (the matrices are small, and more threads only
# fight each other and the browser for the cores), and malloc settings that keep a busy
# server's memory level (tests/e2e/helpers.SERVER_ENV).
run: export OPENBLAS_NUM_THREADS := 1
run: export OMP_NUM_THREADS := 1
run: export MKL_NUM_THREADS := 1
run: export MALLOC_ARENA_MAX := 2
run: export MALLOC_MMAP_THRESHOLD_ := 131072
run: export MALLOC_TRIM_THRESHOLD_ := 131072
run: $(VENV)/.installed
	@# Print the server limits in force and the class store, and stop here if a WRI_*
	@# variable is bad or the store cannot be used.
	$(PY) -m serving.limits
	$(PY) -m serving.classes
	$(VENV)/bin/streamlit run server.py --server.port $(PORT)

# One BLAS thread per process: results do not depend on the machine's core count, and the
# pytest-xdist workers do not oversubscribe the CPU.
test: export OPENBLAS_NUM_THREADS := 1
test: export OMP_NUM_THREADS := 1
test: export MKL_NUM_THREADS := 1
test: $(VENV)/.installed node_modules/.installed bench-smoke
	$(PY) -m pytest $(PYTEST_ARGS)

# Every benchmark on a tiny workload for a few seconds (bench/_harness.py): one that no
# longer runs fails the build. Its figures are printed, never judged.
.PHONY: bench-smoke
bench-smoke: export OPENBLAS_NUM_THREADS := 1
bench-smoke: $(VENV)/.installed
	@set -e; for f in bench/[!_]*.py; do \
		echo "== $$f --smoke"; $(PY) "$$f" --smoke; \
	done

lint: $(VENV)/.installed node_modules/.installed
	$(PY) -m ruff check .
	npx eslint --max-warnings 0 ui/components

# Copy the plotly.js bundle of the npm package package.json names into static/ (after a
# version change there, and in the plotly Python package: tests/unit/test_components.py).
.PHONY: vendor
vendor: node_modules/.installed
	npm run vendor

bench: $(VENV)/.installed
	@set -e; for f in bench/*.py; do \
		[ -e "$$f" ] || { echo "no benchmarks in bench/"; break; }; \
		echo "== $$f"; $(PY) "$$f"; \
	done

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis test-output node_modules
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

# core's training step against PyTorch eager and the machine's matmul floor (bench/engine.py).
.PHONY: bench-engine
bench-engine: $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements-bench.lock
	$(PY) bench/engine.py

# The locks from the requirements files, after a version there changed (then commit all
# three; tests/unit/test_lock.py fails while they disagree). The app's lock first: the dev
# and bench locks keep its versions. torch's CPU build is the wheel in /opt/wheels.
lock: $(VENV)/.installed
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements-dev.txt -c requirements.lock -o requirements-dev.lock
	$(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --find-links /opt/wheels \
		requirements-bench.txt -c requirements-dev.lock -o requirements-bench.lock
