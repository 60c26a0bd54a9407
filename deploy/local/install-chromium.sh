#!/usr/bin/env bash
# Installs Debian's chromium package for the dashboard browser test when /usr/bin/chromium is
# missing. Safe to run twice: it does nothing when the binary exists. Needs root, as in CI.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: /usr/bin/chromium is missing and installing it needs root; the dashboard test will be skipped." >&2
  exit 0
fi

echo "Installing chromium with apt-get (for the dashboard browser test)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
