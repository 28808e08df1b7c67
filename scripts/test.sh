#!/usr/bin/env bash
# `npm test`: every test. Unit and integration tests (real ONNX models, real engine processes),
# then the built renderer in a real headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. A Chromium for the renderer tests. Debian's, installed with apt on a machine without one.
if [[ -z "${CHROMIUM_PATH:-}" && ! -x /usr/bin/chromium ]]; then
  echo "test.sh: /usr/bin/chromium is missing; installing Debian's chromium with apt-get"
  sudo=()
  [[ "$(id -u)" -ne 0 ]] && sudo=(sudo)
  # On a fresh machine another apt may hold the lock for a while: wait for it instead of failing.
  apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q)
  "${apt[@]}" update
  "${apt[@]}" install --no-install-recommends chromium fonts-dejavu-core
fi

# 2. Unit and integration tests.
npx vitest run

# 3. The renderer, built, in Chromium (playwright-core drives it; no download).
npx electron-vite build
npx vitest run -c vitest.e2e.config.ts
