#!/bin/sh
# setup.sh: install the pinned JavaScript reference implementations used by the
# transport tests (shs1-test, secret-handshake, pull-box-stream, ...) into
# tests/net/node_modules, from package.json + package-lock.json. Idempotent:
# does nothing when node_modules already matches the lock file.
# Without node/npm it prints the apt-get line, and runs it when root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "tests/net/setup.sh: node and npm are needed: apt-get install -y nodejs npm" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
  else
    exit 1
  fi
fi

# npm writes node_modules/.package-lock.json after a successful install; when it
# equals our lock's package set, everything pinned is present.
stamp=node_modules/.seurone-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
   [ -f node_modules/shs1-test/test-server.js ] && [ -f node_modules/secret-handshake/index.js ] &&
   [ -f node_modules/pull-box-stream/index.js ]; then
  echo "tests/net/setup.sh: node_modules up to date"
  exit 0
fi

# npm ci installs exactly the lock file. sodium-native's native build may be
# refused or fail; chloride then falls back to libsodium compiled to WebAssembly.
npm ci --no-audit --no-fund --loglevel=error
node -e "require('secret-handshake'); require('pull-box-stream'); require('shs1-test/package.json')"
echo "$want" > "$stamp"
echo "tests/net/setup.sh: installed $(ls node_modules | wc -l) packages into tests/net/node_modules"
