#!/bin/bash
# Usage: make-initramfs.sh KERNEL_DIR OUTPUT
# Builds the guest's initramfs (an uncompressed cpio: under TCG a compressed
# one booted no faster) from
#   - the static busybox of the host (/bin/busybox, package busybox-static),
#   - testbed/init as /init,
#   - the modules the guest needs and everything they depend on, decompressed,
#     in /modules, with /modules/order listing them in insmod order.
# KERNEL_DIR is a directory written by fetch-kernel.sh.
set -euo pipefail
source "$(dirname "$0")/common.sh"

# What the guest loads; virtio-pci, virtio-console and the 8250 serial console
# are built into Debian's kernel.
GUEST_MODULES=(ib_core ib_uverbs rdma_rxe rdma_ucm veth 9p 9pnet_virtio)

kernel_dir="$1"
output="$2"
source "$kernel_dir/kernel.env"
root="$kernel_dir/root"

work="$(mktemp -d "$output.XXXXXX")"
trap 'rm -rf "$work" "$work.cpio"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,host,modules}

cp /bin/busybox "$work/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$work/bin/$applet"
done
cp "$TESTBED_DIR/init" "$work/init"
chmod 755 "$work/init"

for module in "${GUEST_MODULES[@]}"; do
    modprobe -d "$root" -S "$KERNEL_RELEASE" --show-depends "$module" ||
        die "making the initramfs failed: kernel $KERNEL_RELEASE has no module $module"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$work/modules.paths"
while read -r path; do
    name="$(basename "$path")"
    name="${name%%.ko*}"
    case "$path" in
        *.ko.xz) xz -dc "$path" >"$work/modules/$name.ko" ;;
        *.ko.zst) zstd -qdc "$path" >"$work/modules/$name.ko" ;;
        *) cp "$path" "$work/modules/$name.ko" ;;
    esac
    echo "$name" >>"$work/modules/order"
done <"$work/modules.paths"
rm "$work/modules.paths"

(cd "$work" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$work.cpio" ||
    die "making the initramfs failed (cpio)"
mv "$work.cpio" "$output"
