#!/usr/bin/env bash
# The README's commands on a fresh system: a new Debian 12 (bookworm) made by debootstrap, with
# nothing in it but the base system and this machine's Node.js (the one thing the project expects
# to find, see the README). A clean clone of HEAD and ../shared go in; `npm ci && npm test` runs as
# root inside, so every package the tests need must be installed by the project's own scripts.
#
#   sudo bash scripts/fresh-system-test.sh [ROOT]      (ROOT defaults to /var/tmp/studio-fresh)
#
# Needs debootstrap, network access to Debian's mirror and the npm registry, and ~3 GB of disk.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
root=${1:-/var/tmp/studio-fresh}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [[ "$(id -u)" -ne 0 ]]; then
  echo "fresh-system-test.sh: run as root (debootstrap and chroot need it)" >&2
  exit 1
fi
command -v debootstrap >/dev/null || { echo "fresh-system-test.sh: install debootstrap first" >&2; exit 1; }

cleanup() {
  for m in dev/shm dev/pts dev proc sys; do
    mountpoint -q "$root/$m" && umount -l "$root/$m"
  done
}
trap cleanup EXIT

# 1. A fresh Debian, made once and reused only if this script made it (a marker says so).
if [[ ! -f "$root/.studio-fresh" ]]; then
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" "$mirror"
  touch "$root/.studio-fresh"
fi

# 2. Node.js as this machine has it (binary, npm, headers for node-gyp), and its npm settings.
cp /usr/bin/node "$root/usr/bin/node"
mkdir -p "$root/usr/lib/node_modules" "$root/usr/include"
rm -rf "$root/usr/lib/node_modules/npm" "$root/usr/include/node"
cp -a /usr/lib/node_modules/npm "$root/usr/lib/node_modules/npm"
cp -a /usr/include/node "$root/usr/include/node"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
[[ -f "$HOME/.npmrc" ]] && cp "$HOME/.npmrc" "$root/root/.npmrc"
[[ -f /etc/npmrc ]] && cp /etc/npmrc "$root/etc/npmrc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The machine's network trust (a proxy may sign the registry's certificates): its CA bundle, at the
# same path, so npm and apt inside see the network as the machine does. No package comes with it.
ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
if [[ -f "$ca" ]]; then
  mkdir -p "$root$(dirname "$ca")"
  cp "$ca" "$root$ca"
fi

# 3. A clean clone of HEAD with ../shared beside it, as CI has it.
rm -rf "$root/src"
mkdir -p "$root/src"
git clone -q --no-hardlinks "$repo" "$root/src/main"
cp -a "$repo/../shared" "$root/src/shared"

# 4. The README's commands, inside.
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs tmpfs "$root/dev/shm"
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
  LANG=C.UTF-8 CI=true NODE_EXTRA_CA_CERTS="$ca" SSL_CERT_FILE="$ca" bash -c 'cd /src/main && npm ci && npm test'
echo "fresh-system-test.sh: npm ci && npm test passed on a fresh Debian bookworm"
