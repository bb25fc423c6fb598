#!/bin/bash
# Usage: build-rdma-core.sh DEST SOURCE_VERSION
# Downloads the rdma-core source SOURCE_VERSION from $RDMA_CORE_SUITE and builds
# it in DEST/build, configured IN_PLACE: libibverbs looks for its providers in
# DEST/build/lib and for their .driver files in DEST/build/etc/libibverbs.d (the
# paths are compiled in), so pointing LD_LIBRARY_PATH at DEST/build/lib is all
# a program needs to use it. Nothing is installed. Writes DEST/rdma-core.env:
#   RDMA_CORE_VERSION  the upstream version, e.g. 65.0
# Only the upstream tarball is fetched (--tar-only): that is what the build
# uses, and the mirror does not always carry the .dsc of the indexed revision.
# DEST/rdma-core.env appears only once the build is complete.
set -euo pipefail
source "$(dirname "$0")/common.sh"

dest="$1"
source_version="$2"
rm -rf "$dest"
mkdir -p "$dest/download" "$dest/src" "$dest/build"

(cd "$dest/download" && private_apt_get source --download-only --tar-only "rdma-core=$source_version") \
    >"$dest/download.log" 2>&1 ||
    die "download of the rdma-core $source_version source failed (see $dest/download.log)"
tar -xf "$dest"/download/rdma-core_*.orig.tar.* -C "$dest/src" --strip-components=1 ||
    die "unpacking the rdma-core $source_version source failed"
rm -rf "$dest/download"

note "building rdma-core $source_version (about a minute) ..."
(
    cd "$dest/build"
    cmake -G Ninja -DIN_PLACE=1 -DNO_PYVERBS=1 -DNO_MAN_PAGES=1 -DCMAKE_BUILD_TYPE=RelWithDebInfo ../src
    ninja
) >"$dest/build.log" 2>&1 || die "build of rdma-core $source_version failed (see $dest/build.log)"

version="$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' "$dest/src/CMakeLists.txt")"
[ -e "$dest/build/lib/libibverbs.so.1" ] && [ -e "$dest/build/etc/libibverbs.d/rxe.driver" ] ||
    die "build of rdma-core $source_version failed: no libibverbs.so.1 or rxe provider"
echo "RDMA_CORE_VERSION=$(printf '%q' "$version")" >"$dest/rdma-core.env"
