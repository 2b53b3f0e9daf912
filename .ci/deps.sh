#!/usr/bin/env bash
# Installs what the build, the tests and the lab need, only if missing.
# Debian packages as root; nothing is downloaded by hand.
set -euo pipefail

pkgs=(
  gcc make pkg-config curl ca-certificates
  openjdk-17-jdk-headless maven
  libcivetweb-dev libyaml-dev libpcre2-dev zlib1g-dev
  python3 python3-venv python3-pip
  prometheus prometheus-alertmanager prometheus-node-exporter prometheus-pushgateway
)
# Other parts of the project append to this list.
for extra in .ci/deps.d/*.list; do
  [ -f "$extra" ] && mapfile -t -O "${#pkgs[@]}" pkgs < <(grep -v '^#' "$extra" | grep .)
done

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing Debian packages: ${missing[*]}; run 'make deps' as root" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The Debian prometheus packages try to start services; there is no
  # init system here, so keep policy-rc.d from failing the install.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
