#!/usr/bin/env bash
# `npm test`: every test. Unit and integration tests (real ONNX models, real engine processes,
# the PyTorch original of a model), then the built renderer in a real headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need, installed on a machine that lacks them (nothing by hand).
apt_install() {
  local sudo=()
  [[ "$(id -u)" -ne 0 ]] && sudo=(sudo)
  # On a fresh machine another apt may hold the lock for a while: wait for it instead of failing.
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q)
  "${apt[@]}" update
  "${apt[@]}" install --no-install-recommends "$@"
}

# 1. A Chromium for the renderer tests: Debian's.
if [[ -z "${CHROMIUM_PATH:-}" && ! -x /usr/bin/chromium ]]; then
  echo "test.sh: /usr/bin/chromium is missing; installing Debian's chromium"
  apt_install chromium fonts-dejavu-core
fi

# 2. Debian's PyTorch and onnx, for the tests that run the PyTorch original of a model beside the
#    engine (tools/train/torch_reference.py reads the weights from the package's ONNX files with
#    onnx); without OpenBLAS torch falls back to a ~14x slower BLAS. Checked module by module, so a
#    machine with torch but without onnx is completed too.
if ! /usr/bin/python3 -c 'import torch, onnx, numpy' >/dev/null 2>&1; then
  echo "test.sh: Debian's python3-torch / python3-onnx is missing; installing them"
  apt_install python3-torch python3-onnx python3-numpy libopenblas0-pthread
fi

# 3. Python tools: lint + tests. Debian's flake8 (ruff, which tools/pyproject.toml configures for
#    developers, is not packaged in Debian 12) with tools/.flake8, then the pytest tests of what the
#    app depends on (export, package writer, PyTorch reference).
if ! /usr/bin/python3 -c 'import flake8, pytest' >/dev/null 2>&1; then
  echo "test.sh: Debian's flake8 / python3-pytest is missing; installing them"
  apt_install flake8 python3-pytest
fi
/usr/bin/python3 -m flake8 --config tools/.flake8 tools
/usr/bin/python3 -m pytest -q tools/tests

# Debian's redis-server, for the render-farm test (test/farm starts its own on a free loopback port).
if ! command -v redis-server >/dev/null 2>&1; then
  echo "test.sh: Debian's redis-server is missing; installing it"
  apt_install redis-server
fi

# 4. Unit and integration tests.
npx vitest run

# 5. The renderer, built, in Chromium (playwright-core drives it; no download).
npx electron-vite build
npx vitest run -c vitest.e2e.config.ts
