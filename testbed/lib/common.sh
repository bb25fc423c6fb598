# shellcheck shell=bash
# Shared by the testbed scripts (sourced, not executed).

export LC_ALL=C
TESTBED_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${ODPKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/odpkit}"

# The suites the guest's software comes from.
KERNEL_SUITE=trixie-backports
RDMA_CORE_SUITE=sid
# perftest's source comes from the same deb-src list as rdma-core's.
PERFTEST_SUITE="$RDMA_CORE_SUITE"
DEBIAN_MIRROR=http://deb.debian.org/debian
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# Upper bound for one network step (apt-get update, one download).
NETWORK_TIMEOUT=900

die() {
    echo "testbed: $*" >&2
    exit 1
}

note() {
    echo "testbed: $*" >&2
}

# apt-get/apt-cache on a private sources list and state under $CACHE/apt: the
# host's own sources, lists, pinning and dpkg status are never read or written.
APT_DIR="$CACHE/apt"
apt_options=(
    -o "Dir::Etc::SourceList=$APT_DIR/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::Etc::Preferences=/dev/null"
    -o "Dir::Etc::PreferencesParts=/dev/null"
    -o "Dir::State::Lists=$APT_DIR/lists"
    -o "Dir::State::status=$APT_DIR/status"
    -o "Dir::Cache=$APT_DIR/cache"
    -o "APT::Architecture=amd64"
    -o "APT::Architectures=amd64"
    -o "APT::Sandbox::User=root"
    -o "Acquire::Retries=2"
    -o "Acquire::http::Timeout=30"
    -q
)

private_apt_get() {
    timeout "$NETWORK_TIMEOUT" apt-get "${apt_options[@]}" "$@"
}

private_apt_cache() {
    apt-cache "${apt_options[@]}" "$@"
}
