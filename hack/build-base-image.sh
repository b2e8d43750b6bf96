#!/usr/bin/env bash
# Builds the stand-in for the official Python base image on machines that
# cannot pull from a registry: a minimal Debian with python3 and python3-venv,
# plus the host's CA bundle so pip can reach the package index during
# `docker build --network host`. Quick and idempotent once the image exists.
set -euo pipefail

image=${BASE_IMAGE:-favorite-athlete/python-base:bookworm}
suite=${BASE_SUITE:-bookworm}
ca_bundle=/etc/ssl/certs/ca-certificates.crt

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "build-base-image: $image already present"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "build-base-image: installing debootstrap from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

rootfs=$(mktemp -d /tmp/base-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

echo "build-base-image: debootstrap $suite into $rootfs (a few minutes)"
debootstrap --variant=minbase --include=python3,python3-venv \
  "$suite" "$rootfs" >"$rootfs.log" 2>&1 || {
    tail -n 30 "$rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"

# pip reads its own certifi bundle, not the system's: PIP_CERT (set below)
# points it at the host's bundle, which trusts the way to the package index.
install -D -m 0644 "$ca_bundle" "$rootfs$ca_bundle"
# A smaller image: no package lists, caches or docs are needed at run time.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*

tar -C "$rootfs" -c . | docker import \
  --change 'ENV LANG=C.UTF-8' \
  --change "ENV PIP_CERT=$ca_bundle" \
  --change 'CMD ["python3"]' \
  - "$image" >/dev/null
echo "build-base-image: built $image ($(docker image inspect -f '{{.Size}}' "$image") bytes)"
