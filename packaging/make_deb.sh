#!/usr/bin/env bash
# Pack a built app folder as a Debian package:  packaging/make_deb.sh APP_FOLDER VERSION OUT_DIR
#
#   /opt/embedding-explorer/                 the app (read-only; data and models inside)
#   /usr/bin/embedding-explorer              the launcher on PATH (a symbolic link)
#   /usr/share/applications/…desktop         the menu entry;  /usr/share/mime/packages/…xml  file types
#   /usr/share/icons/hicolor/*/apps/…        the icon (PNGs at the usual sizes, and the SVG)
#   /usr/share/doc/embedding-explorer/       copyright, changelog
#
# Depends: the system libraries the bundle's own libraries load but do not carry (ldd over every
# ELF file; each one found outside the folder is traced to its Debian package with dpkg -S).
# Removal is clean: every file belongs to the package; the app writes only to the user's folders.
set -euo pipefail
APP=$(cd "$1" && pwd); VERSION=$2; OUT=$(mkdir -p "$3" && cd "$3" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/.." && pwd)
STAGE=${EE_STAGE:-$ROOT/build/stage}
PKG=embedding-explorer
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
D="$WORK/${PKG}_${VERSION}_amd64"
mkdir -p "$D/DEBIAN" "$D/opt" "$D/usr/bin" "$D/usr/share/applications" "$D/usr/share/mime/packages" \
         "$D/usr/share/doc/$PKG" "$D/usr/share/icons/hicolor/scalable/apps" "$D/usr/share/lintian/overrides"
cp -a "$APP" "$D/opt/$PKG"
chmod -R u=rwX,go=rX "$D/opt/$PKG"
ln -s "/opt/$PKG/$PKG" "$D/usr/bin/$PKG"
install -m 644 "$HERE/embedding-explorer.desktop" "$D/usr/share/applications/$PKG.desktop"
install -m 644 "$HERE/embedding-explorer-mime.xml" "$D/usr/share/mime/packages/$PKG.xml"
install -m 644 "$STAGE/icons/$PKG.svg" "$D/usr/share/icons/hicolor/scalable/apps/$PKG.svg"
for png in "$STAGE"/icons/$PKG-*.png; do
  size=${png##*-}; size=${size%.png}
  mkdir -p "$D/usr/share/icons/hicolor/${size}x${size}/apps"
  install -m 644 "$png" "$D/usr/share/icons/hicolor/${size}x${size}/apps/$PKG.png"
done
install -m 644 "$HERE/copyright" "$D/usr/share/doc/$PKG/copyright"
printf '%s (%s) unstable; urgency=low\n\n  * Release %s: the desktop app with its data and models inside.\n\n -- Embedding Explorer developers <dev@embedding-explorer.invalid>  %s\n' \
  "$PKG" "$VERSION" "$VERSION" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(date +%s)}")" | gzip -9n > "$D/usr/share/doc/$PKG/changelog.gz"
install -m 644 "$HERE/lintian-overrides" "$D/usr/share/lintian/overrides/$PKG"
mkdir -p "$D/usr/share/man/man1"
gzip -9n < "$HERE/embedding-explorer.1" > "$D/usr/share/man/man1/$PKG.1.gz"; chmod 644 "$D/usr/share/man/man1/$PKG.1.gz"

# Depends. PyInstaller copies the system libraries it finds (X11, xcb, fontconfig, glib, OpenSSL...)
# into the folder; the .deb leaves those to Debian instead: every such library that a Debian package
# provides is removed from the folder, and the packages of what the remaining libraries then load from
# the system (ldd, traced with dpkg -S) are the dependencies. Kept: the Python runtime (libpython,
# built with the bundle) and the C++ runtime (a wheel may need a newer one than the system's).
KEEP='^(libpython3\.[0-9]+|libstdc\+\+6|libgcc-s1)$'
for lib in $(find "$D/opt/$PKG/_internal" -maxdepth 1 -type f -name 'lib*.so*'); do
  pkg=$(dpkg -S "*/$(basename "$lib")" 2>/dev/null | head -1 | cut -d: -f1 || true)
  if [ -n "$pkg" ] && ! [[ "$pkg" =~ $KEEP ]]; then
    rm "$lib"
  fi
done
find "$D/opt/$PKG/_internal" -maxdepth 1 -xtype l -delete  # links to what was removed
# the libraries the bundle's files name directly (DT_NEEDED) and that the bundle does not carry
bundled=$(find "$D/opt/$PKG" -name '*.so*' -printf '%f\n' | sort -u)
needed=$( (find "$D/opt/$PKG" -type f -name '*.so*' -exec objdump -p {} + 2>/dev/null || true) |
         awk '$1 == "NEEDED" {print $2}' | sort -u)
deps=""
for name in $(comm -23 <(printf '%s\n' $needed) <(printf '%s\n' $bundled)); do
  path=$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ {print $NF; exit}' || true)
  [ -n "$path" ] || continue
  deps="$deps $( (dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null) | head -1 | cut -d: -f1 || true)"
done
deps=$(printf '%s\n' libc6 $deps | grep -v -E "$KEEP" | sort -u | paste -sd, | sed 's/,/, /g')
# the folder's own libraries are plain shared objects, not programs
find "$D/opt/$PKG/_internal" -type f -name '*.so*' -exec chmod 644 {} +
size=$(du -sk --apparent-size "$D" | cut -f1)
cat > "$D/DEBIAN/control" <<CTRL
Package: $PKG
Version: $VERSION
Section: science
Priority: optional
Architecture: amd64
Maintainer: Embedding Explorer developers <dev@embedding-explorer.invalid>
Installed-Size: $size
Depends: $deps
Homepage: https://embedding-explorer.invalid/
Description: see word embeddings and language models at work
 Embedding Explorer shows nearest neighbours of words in a rotatable 3D point
 cloud, word arithmetic drawn as arrows, semantic directions and benchmarks,
 next-word probabilities of a small language model, and the layers of neural
 networks. Everything it needs ships inside: the GloVe 6B 50d vectors and the
 ONNX models run by onnxruntime; nothing is downloaded.
CTRL
find "$D" -type d -exec chmod 755 {} +
dpkg-deb --root-owner-group -Zxz -z"${EE_XZ_LEVEL:-6}" --threads-max=2 --build "$D" "$OUT/${PKG}_${VERSION}_amd64.deb" >/dev/null
echo "$OUT/${PKG}_${VERSION}_amd64.deb"
