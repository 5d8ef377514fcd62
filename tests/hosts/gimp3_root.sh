#!/usr/bin/env bash
# Build (once) a Debian 13 root with GIMP 3 for the GIMP plug-in tests, next to this Debian 12.
# Cached: a root that already runs gimp-console-3.0 is kept. Needs root, apt and the Debian
# mirror (a package registry). Usage: gimp3_root.sh [ROOT] (default /var/cache/hdr-studio/gimp3-root)
set -euo pipefail
ROOT=${1:-${HDR_STUDIO_GIMP_ROOT:-/var/cache/hdr-studio/gimp3-root}}
MIRROR=${HDR_STUDIO_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ -x "$ROOT/usr/bin/gimp-console-3.0" ] && [ -f "$ROOT/.hdr-studio-ready" ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "note: building the GIMP 3 root needs root; the GIMP plug-in tests will skip" >&2
    exit 0
fi
command -v mmdebstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; }
rm -rf "$ROOT.tmp"
mkdir -p "$(dirname "$ROOT")"
mmdebstrap --quiet --variant=apt --include=gimp,python3-gi,gir1.2-gimp-3.0 \
    trixie "$ROOT.tmp" "$MIRROR"
rm -rf "$ROOT"
mv "$ROOT.tmp" "$ROOT"
touch "$ROOT/.hdr-studio-ready"
echo "GIMP 3 root ready in $ROOT"
