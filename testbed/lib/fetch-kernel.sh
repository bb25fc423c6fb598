#!/bin/bash
# Usage: fetch-kernel.sh DEST PACKAGE=VERSION...
# Downloads the kernel packages, extracts them into DEST/root, indexes the
# modules (depmod) and writes DEST/kernel.env:
#   KERNEL_RELEASE  the kernel's release (uname -r), e.g. 7.3.4+deb13-amd64
#   KERNEL_IMAGE    the vmlinuz, relative to DEST
# DEST appears only once complete.
set -euo pipefail
source "$(dirname "$0")/common.sh"

dest="$1"
shift
work="$dest.partial"
rm -rf "$work"
mkdir -p "$work/debs" "$work/root"

(cd "$work/debs" && private_apt_get download "$@") >"$work/download.log" 2>&1 ||
    die "download of the kernel packages failed ($*; see $work/download.log)"
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root" || die "unpacking $deb failed"
done
rm -rf "$work/debs"

# Debian ships /usr/lib/modules (merged /usr); depmod and modprobe -d look in lib/modules.
[ -e "$work/root/lib" ] || ln -s usr/lib "$work/root/lib"
image="$(cd "$work" && find root \( -path '*/modules/*/vmlinuz' -o -name 'vmlinuz-*' \) -print -quit)"
[ -n "$image" ] || die "unpacking the kernel failed: no vmlinuz in $*"
module_trees=("$work"/root/lib/modules/*/kernel)
[ -d "${module_trees[0]}" ] || die "unpacking the kernel failed: no modules in $*"
release="$(basename "$(dirname "${module_trees[0]}")")"
depmod -b "$work/root" "$release" || die "depmod of kernel $release failed"

cat >"$work/kernel.env" <<EOF
KERNEL_RELEASE=$(printf '%q' "$release")
KERNEL_IMAGE=$(printf '%q' "$image")
EOF
rm -rf "$dest"
mv "$work" "$dest"
