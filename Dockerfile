# One annviz replica: `streamlit run app.py` as README says, as a non-root user.
# Several of them behind HAProxy: compose.yaml (README "Hosting for a large class").
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL=2

RUN useradd --create-home --uid 10001 annviz
WORKDIR /app

# Requirements first: a code change does not reinstall TensorFlow.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=annviz:annviz . .
USER annviz

EXPOSE 8501
# The same endpoint HAProxy checks (deploy/haproxy.cfg); the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2).status != 200)"]

# .streamlit/config.toml (copied with the code) decides the rest: no file watcher, no per-run GC.
CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0", "--server.headless", "true"]
