#!/usr/bin/env bash
# Installs what dockgate's tests need on Debian 12, only where missing:
# docker.io (dockerd + the 20.10 CLI), busybox-static (the test image), openssl, prometheus
# (promtool and the scrape test), nginx and wrk (benchmarks), systemd (systemd-analyze),
# docker-compose (compose file check and client test), python3-docker (SDK test), debootstrap (the image test's base image), iproute2 (ss: which
# process holds a connection), gcc and libssl-dev (the
# benchmark's load generator, built at bench time), then the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dockerd >/dev/null || need+=(docker.io)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx sh || need+=(busybox-static)
command -v openssl >/dev/null || need+=(openssl)
command -v promtool >/dev/null || need+=(prometheus)
command -v nginx >/dev/null || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v script >/dev/null || need+=(bsdutils)
command -v ss >/dev/null || need+=(iproute2)
/usr/bin/python3 -c 'import docker' 2>/dev/null || need+=(python3-docker)
command -v cc >/dev/null || need+=(gcc)
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's docker.io also installs the 20.10 CLI as /usr/bin/docker; the suites use
# `docker` from PATH (28.x in /usr/local/bin where present) and /usr/bin/docker explicitly.
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
