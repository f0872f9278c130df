#!/usr/bin/env bash
# Community Cloud readiness: does requirements.txt install and run on a fresh Python 3.12?
#
#   bench/cloud_check.sh            # pip venv and uv venv, each: install, import check, pages, health
#   PY312=/path/to/python3.12 bench/cloud_check.sh
#
# Downloads from PyPI (minutes; TensorFlow is large), so it is a documented command, not part of
# `python -m pytest`. Community Cloud installs requirements.txt with uv and falls back to pip,
# on Debian with Python 3.12 here; both installers are checked. Each fresh venv then:
#   1. imports streamlit, keras (TensorFlow backend), plotly, sklearn, streamlit_drawable_canvas;
#   2. runs every page app.py lists once through AppTest (no traceback);
#   3. serves the app headless and answers /_stcore/health and the page shell.
# Exit status 0 only if every step passed for both installers. Work dirs: $WORK (kept for a look).
# (Steps end in `|| return 1`: `set -e` does not apply inside a function run as an `if` condition.)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY312=${PY312:-/root/.pyenv/versions/3.12.1/bin/python}
WORK=${WORK:-$(mktemp -d /tmp/annviz-cloud-check.XXXXXX)}
mkdir -p "$WORK"
declare -A OUTCOME

say() { printf '\n=== %s\n' "$*"; }

check_venv() {  # $1 = label, $2 = venv python
  local label=$1 python=$2 port server_pid
  say "$label: $("$python" --version) import check"
  "$python" - <<'EOF' || return 1
import importlib, os
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
for name in ["streamlit", "keras", "tensorflow", "plotly", "sklearn", "pandas", "numpy", "PIL"]:
    module = importlib.import_module(name)
    print(f"  {name:28s} {getattr(module, '__version__', '(no __version__)')}")
import keras
assert keras.backend.backend() == "tensorflow", keras.backend.backend()
# A Components-v2 package registers its assets only inside a Streamlit runtime: a bare
# `import streamlit_drawable_canvas` raises StreamlitAPIException, in a script run it works.
from streamlit.testing.v1 import AppTest
app = AppTest.from_string("import streamlit_drawable_canvas\nimport streamlit as st\nst.write('canvas ok')").run(timeout=120)
assert not app.exception, [e.value for e in app.exception]
print(f"  {'streamlit_drawable_canvas':28s} imports inside a script run")
EOF

  say "$label: every page once through AppTest"
  "$python" - "$ROOT" <<'EOF' || return 1
import sys, time
root = sys.argv[1]
sys.path[:0] = [root, f"{root}/tests"]
from pages._navigation import listed_pages
from streamlit.testing.v1 import AppTest
failed = []
for page in listed_pages():
    start = time.perf_counter()
    test = AppTest.from_file(f"{root}/{page.runnable_script}", default_timeout=600)
    test.run()
    problems = [e.value for e in test.exception]
    print(f"  {page.script:32s} {time.perf_counter() - start:6.1f} s  {'OK' if not problems else problems[0][:100]}")
    failed += problems
sys.exit(1 if failed else 0)
EOF

  say "$label: streamlit run app.py, headless health check"
  port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$python" -m streamlit run app.py --server.headless true --server.port "$port" \
    --server.address 127.0.0.1 --browser.gatherUsageStats false >"$WORK/$label-server.log" 2>&1 &
  server_pid=$!
  local healthy=no
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/_stcore/health" >/dev/null 2>&1; then healthy=yes; break; fi
    sleep 1
  done
  local shell_ok=no
  if [ "$healthy" = yes ] && curl -fsS "http://127.0.0.1:$port/" | grep -q '<div id="root">'; then shell_ok=yes; fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  echo "  health: $healthy, page shell served: $shell_ok"
  [ "$healthy" = yes ] && [ "$shell_ok" = yes ]
}

run_installer() {  # $1 = label, $2 = the function that installs and checks
  local label=$1 start end
  start=$(date +%s)
  if "$2"; then OUTCOME[$label]="OK"; else OUTCOME[$label]="FAILED"; fi
  end=$(date +%s)
  OUTCOME[$label]="${OUTCOME[$label]} ($((end - start)) s)"
}

with_pip() {
  say "pip: fresh venv $WORK/pip-venv"
  "$PY312" -m venv "$WORK/pip-venv" || return 1
  "$WORK/pip-venv/bin/python" -m pip install --quiet --upgrade pip || return 1
  "$WORK/pip-venv/bin/python" -m pip install --quiet -r requirements.txt || return 1
  check_venv pip "$WORK/pip-venv/bin/python"
}

with_uv() {
  say "uv: fresh venv $WORK/uv-venv"
  "$PY312" -m venv "$WORK/uv-tool" || return 1
  "$WORK/uv-tool/bin/python" -m pip install --quiet uv || return 1
  "$WORK/uv-tool/bin/uv" venv --python "$PY312" "$WORK/uv-venv" || return 1
  "$WORK/uv-tool/bin/uv" pip install --python "$WORK/uv-venv/bin/python" -r requirements.txt || return 1
  check_venv uv "$WORK/uv-venv/bin/python"
}

run_installer pip with_pip
run_installer uv with_uv

say "Community Cloud readiness (Python $("$PY312" -c 'import platform; print(platform.python_version())'))"
status=0
for label in pip uv; do
  echo "  $label: ${OUTCOME[$label]}"
  case ${OUTCOME[$label]} in OK*) ;; *) status=1 ;; esac
done
echo "  work dir: $WORK"
exit $status
