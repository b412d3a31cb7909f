#!/bin/sh
# Build the local sshd base image (default fleet-sshd-base:bookworm) without any registry:
# mmdebstrap a minimal Debian bookworm rootfs from the apt mirror this machine already uses,
# then `docker import` it. Idempotent: exits at once when the image exists.
#   usage: scripts/build-base-image.sh [IMAGE]      env: FLEET_DEBIAN_MIRROR overrides the mirror
set -eu

image="${1:-fleet-sshd-base:bookworm}"

if docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi
command -v mmdebstrap >/dev/null 2>&1 || {
  echo "build-base-image: mmdebstrap is missing: apt-get install -y mmdebstrap" >&2
  exit 1
}

# The mirror apt is configured with (deb822 or one-line sources), else deb.debian.org.
mirror="${FLEET_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '$1 == "URIs:" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
fi
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:.*\/debian\/?$/) { print $i; exit } }')
fi
mirror="${mirror:-http://deb.debian.org/debian}"

work=$(mktemp -d "${TMPDIR:-/var/tmp}/fleet-base.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

echo "build-base-image: mmdebstrap bookworm from $mirror" >&2
mmdebstrap --quiet --variant=minbase \
  --include=openssh-server,coreutils,procps,sudo \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  bookworm "$work/rootfs.tar" "$mirror" >&2
docker import \
  --change 'CMD ["/bin/bash"]' \
  "$work/rootfs.tar" "$image" >/dev/null
echo "build-base-image: built $image" >&2
