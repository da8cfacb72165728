# The shared-server image: the Streamlit app on port 8501, as a non-root user.
#   docker build -t why-random-init .
#   docker run --rm --cpus 2 --memory 2g -p 8501:8501 why-random-init
# tests/deploy/test_deploy.py lints this file (hadolint), checks that every COPY source exists,
# and runs the CMD below from a fresh venv made from requirements.lock in a copy of the COPYed
# files, with the ENV below applied.

# Pinned patch release: a rebuild gets the same Python. Bump deliberately (security releases).
FROM python:3.11.17-slim-trixie

# One BLAS thread per process: a session's matrix products cannot take every core of the
# machine, and the numbers do not depend on the core count (the same setting as `make test`).
# Two malloc arenas, large blocks mapped and given back: with a class playing, the server's
# memory levels off instead of creeping up (tests/e2e/helpers.SERVER_ENV says by how much).
ENV OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    MALLOC_TRIM_THRESHOLD_=131072 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# A numeric user, so Kubernetes' runAsNonRoot can verify it is not root. data/ is the one
# folder it may write: the default class store (SQLite, serving/classes.py), which a volume
# keeps across restarts (`-v why-random-init-classes:/app/data`); replicas share a PostgreSQL
# instead (WRI_STORE_URL, deploy/).
RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app/data && chown 10001:10001 /app/data

# Dependencies in a layer of their own: editing the app does not reinstall them. The lock
# names every package with its hashes (`make lock`): the image installs what the tests ran.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# Only what the app needs; the files stay root-owned, so the app cannot rewrite itself.
COPY app.py server.py ./
COPY core/ core/
COPY viz/ viz/
COPY pages/ pages/
COPY ui/ ui/
COPY serving/ serving/
COPY classroom/ classroom/
COPY lessons/ lessons/
COPY static/ static/
COPY .streamlit/ .streamlit/

USER 10001:10001

EXPOSE 8501

# Slim images have no curl: ask Streamlit's health endpoint with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(0 if r.read().strip() == b'ok' else 1)"]

CMD ["streamlit", "run", "server.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
