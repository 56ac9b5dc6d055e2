#!/usr/bin/env bash
# Build the desktop app, everything inside (run after ./run.sh has set up .venv and built the models):
#
#   packaging/build.sh        ->  dist/embedding-explorer/                     the one-folder app
#                                 dist/embedding-explorer-VERSION-linux-x86_64.tar.gz
#                                 dist/embedding-explorer_VERSION_amd64.deb
#
# Steps: stage the data and models (packaging/stage.py), PyInstaller (packaging/embedding-explorer.spec),
# prune what the app never loads, check the folder with its own --selftest, then pack the .tar.gz and
# the .deb (packaging/make_deb.sh). Prints the size of every part.
set -euo pipefail
cd "$(dirname "$0")/.."
VPY=${EE_VENV:-.venv}/bin/python
say() { printf '\033[1m[package]\033[0m %s\n' "$*" >&2; }
VERSION=$("$VPY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
t0=$(date +%s)

"$VPY" -m pip install -q pyinstaller==6.22.3 2>&1 | grep -v "^WARNING: Location" || true
say "staging data and models"
export EE_STAGE=build/stage
"$VPY" packaging/stage.py "$EE_STAGE" ${EE_MODELS:+--models $EE_MODELS}  # EE_MODELS: a subset, for quick checks

say "PyInstaller"
"$VPY" -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/embedding-explorer.spec \
  2>&1 | grep -E "ERROR|WARNING: (Hidden import|Library not found)" | grep -v "not found: 'kumo" || true
APP=dist/embedding-explorer
[ -x "$APP/embedding-explorer" ] || { say "PyInstaller did not produce $APP"; exit 1; }

say "pruning what the app never loads"
rm -rf "$APP/_internal/PySide6/Qt/translations"  # the interface is English; Qt's own strings stay English
# Qt's GTK3 theme plugin (the app draws its own light/dark theme) and the network plugins (no network):
# they pull in GTK, cairo, pango, Kerberos...
rm -rf "$APP/_internal/PySide6/Qt/plugins/platformthemes/libqgtk3.so" "$APP/_internal/PySide6/Qt/plugins/tls" \
       "$APP/_internal/PySide6/Qt/plugins/networkinformation"
# Debug symbols (60 MB). Not the launcher (its archive is appended to the ELF file) and not the wheels'
# *.libs folders (auditwheel-patched; stripping OpenBLAS breaks its program headers).
find "$APP/_internal" -type f -name '*.so*' ! -path '*.libs/*' ! -path "$APP/_internal/models/*" -print0 |
  xargs -0 file | grep 'ELF.*not stripped' | cut -d: -f1 | xargs -r strip --strip-unneeded

say "sizes (installed folder, by part)"
"$VPY" packaging/sizes.py "$APP"

say "checking the folder: its own --selftest, offscreen"
QT_QPA_PLATFORM=offscreen EMBEDDING_EXPLORER_CACHE="$(mktemp -d)" EMBEDDING_EXPLORER_CONFIG="$(mktemp -d)" \
  "$APP/embedding-explorer" --selftest

say "packing"
tar -C dist -czf "dist/embedding-explorer-$VERSION-linux-x86_64.tar.gz" embedding-explorer
bash packaging/make_deb.sh "$APP" "$VERSION" dist
ls -l dist/*.tar.gz dist/*.deb >&2
say "done in $(( $(date +%s) - t0 )) s"
