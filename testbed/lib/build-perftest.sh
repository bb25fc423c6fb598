#!/bin/bash
# Usage: build-perftest.sh DEST SOURCE_VERSION RDMA_CORE_DIR
# Downloads the perftest source SOURCE_VERSION from $PERFTEST_SUITE and builds
# its latency tools against the rdma-core built in RDMA_CORE_DIR (a directory
# written by build-rdma-core.sh: its headers, and its libraries as the RUNPATH,
# so the tools use that rdma-core even without LD_LIBRARY_PATH). Writes
#   DEST/bin/ib_read_lat, ib_write_lat, ib_send_lat
#   DEST/build.log, DEST/download.log
#   DEST/perftest.env:
#     PERFTEST_VERSION        the upstream release, e.g. 25.01.0+0.80
#     PERFTEST_TOOL_VERSION   what the tools print for --version, e.g. 6.24
#     PERFTEST_RDMA_CORE_DIR  RDMA_CORE_DIR
# Only the upstream tarball is fetched (--tar-only): Debian applies no patch
# (its series is empty) and the mirror does not always carry the .dsc of the
# indexed revision. The source's configure is used as shipped (no autotools).
# DEST appears only once complete.
set -euo pipefail
source "$(dirname "$0")/common.sh"

# The tools built and installed; configure and these take ~25 s on 2 cores.
PERFTEST_TOOLS=(ib_read_lat ib_write_lat ib_send_lat)

dest="$1"
source_version="$2"
rdma_core_dir="$3"
rdma_core_build="$rdma_core_dir/build"
[ -e "$rdma_core_build/include/infiniband/verbs.h" ] && [ -e "$rdma_core_build/lib/libibverbs.so" ] ||
    die "building perftest failed: no rdma-core build in $rdma_core_dir"

work="$dest.partial"
rm -rf "$work"
mkdir -p "$work/download" "$work/src" "$work/build" "$work/bin"

(cd "$work/download" && private_apt_get source --download-only --tar-only "perftest=$source_version") \
    >"$work/download.log" 2>&1 ||
    die "download of the perftest $source_version source failed (see $work/download.log)"
tar -xf "$work"/download/perftest_*.orig.tar.* -C "$work/src" --strip-components=1 ||
    die "unpacking the perftest $source_version source failed"
rm -rf "$work/download"

note "building perftest $source_version (about half a minute) ..."
(
    cd "$work/build"
    ../src/configure \
        CPPFLAGS="-I$rdma_core_build/include" \
        LDFLAGS="-L$rdma_core_build/lib -Wl,-rpath,$rdma_core_build/lib"
    make -j "$(nproc)" "${PERFTEST_TOOLS[@]}"
) >"$work/build.log" 2>&1 || die "build of perftest $source_version failed (see $work/build.log)"

for tool in "${PERFTEST_TOOLS[@]}"; do
    install -m 755 "$work/build/$tool" "$work/bin/$tool"
done
# The release as Debian names it upstream (25.01.0+0.80; the git tag is 25.01.0-0.80)
# and the version the tools report (perftest's own VERSION, e.g. 6.24).
version="${source_version%-*}"
version="${version#*:}"
# (--version exits 1.)
tool_version="$({ LD_LIBRARY_PATH="$rdma_core_build/lib" "$work/bin/ib_read_lat" --version || true; } |
    sed -n 's/^Version: *//p')"
[ -n "$tool_version" ] || die "build of perftest $source_version failed: ib_read_lat --version says no version"
rm -rf "$work/src" "$work/build"

cat >"$work/perftest.env" <<EOF
PERFTEST_VERSION=$(printf '%q' "$version")
PERFTEST_TOOL_VERSION=$(printf '%q' "$tool_version")
PERFTEST_RDMA_CORE_DIR=$(printf '%q' "$rdma_core_dir")
EOF
rm -rf "$dest"
mv "$work" "$dest"
