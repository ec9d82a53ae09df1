#!/usr/bin/env bash
# Installs the Debian packages primod needs to build, test and draw (list in .ci/packages).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pkgs=$(cat "$here/.ci/packages")
missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
[ -z "$missing" ] && exit 0
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
