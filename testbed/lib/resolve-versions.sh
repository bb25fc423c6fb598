#!/bin/bash
# Refreshes the private package lists and resolves what the guest gets:
#   - the packages making up the current linux-image-amd64 of $KERNEL_SUITE
#     (the meta package and its dependencies built from the same version:
#     linux-image-*, linux-binary-*, linux-modules-*, linux-base-*, ...);
#   - the current rdma-core source version in $RDMA_CORE_SUITE;
#   - the current perftest source version in $PERFTEST_SUITE (= $RDMA_CORE_SUITE).
# Writes the result to $CACHE/resolved.env (its mtime is the time of the last
# resolution).
set -euo pipefail
source "$(dirname "$0")/common.sh"

mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
: >>"$APT_DIR/status"
cat >"$APT_DIR/sources.list" <<EOF
deb [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $KERNEL_SUITE main
deb-src [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $RDMA_CORE_SUITE main
EOF

# apt-get update reports unreachable or unverifiable lists as warnings only.
if ! private_apt_get update >"$APT_DIR/update.log" 2>&1 || grep -q -E '^(W|E): ' "$APT_DIR/update.log"; then
    problem="$(grep -m 1 -E '^(W|E): ' "$APT_DIR/update.log" | cut -c4- | tr -s ' ')"
    die "download of the package lists failed: ${problem:-apt-get update failed} (log: $APT_DIR/update.log)"
fi

kernel_version="$(private_apt_cache show --no-all-versions linux-image-amd64 2>/dev/null |
    sed -n 's/^Version: //p')"
[ -n "$kernel_version" ] || die "resolving the kernel failed: no linux-image-amd64 in $KERNEL_SUITE"

mapfile -t dependencies < <(private_apt_cache depends --recurse --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances linux-image-amd64 | grep -v -e '^ ' -e '^<')
kernel_packages="$(private_apt_cache show --no-all-versions "${dependencies[@]}" 2>/dev/null |
    awk -v v="$kernel_version" '/^Package: /{p=$2} /^Version: /{if ($2 == v) print p "=" v}' |
    sort -u | tr '\n' ' ')"

rdma_core_version="$(private_apt_cache showsrc --only-source rdma-core 2>/dev/null |
    sed -n 's/^Version: //p' | sort -V | tail -n 1)"
[ -n "$rdma_core_version" ] || die "resolving rdma-core failed: no rdma-core source in $RDMA_CORE_SUITE"

perftest_version="$(private_apt_cache showsrc --only-source perftest 2>/dev/null |
    sed -n 's/^Version: //p' | sort -V | tail -n 1)"
[ -n "$perftest_version" ] || die "resolving perftest failed: no perftest source in $PERFTEST_SUITE"

cat >"$CACHE/resolved.env.new" <<EOF
KERNEL_PACKAGE_VERSION=$(printf '%q' "$kernel_version")
KERNEL_PACKAGES=$(printf '%q' "${kernel_packages% }")
RDMA_CORE_SOURCE_VERSION=$(printf '%q' "$rdma_core_version")
PERFTEST_SOURCE_VERSION=$(printf '%q' "$perftest_version")
EOF
mv "$CACHE/resolved.env.new" "$CACHE/resolved.env"
