#!/bin/sh
# setup.sh: install what the browser tests need: Debian's Chromium (apt, when
# root and missing) and the pinned playwright-core (npm ci from package-lock.json
# into tests/web/node_modules). Idempotent: does nothing when both are there and
# node_modules matches the lock file. Playwright's own browser download is never
# used: the tests launch /usr/bin/chromium.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

need=""
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need="nodejs npm"
[ -x /usr/bin/chromium ] || need="$need chromium"
if [ -n "$need" ]; then
  echo "tests/web/setup.sh: needed: apt-get install -y $need" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
  else
    exit 1
  fi
fi

stamp=node_modules/.seurone-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/playwright-core/package.json ]; then
  echo "tests/web/setup.sh: node_modules up to date"
  exit 0
fi

# PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core downloads nothing itself, but
# say it anyway so that no later version starts to.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
node -e "require('playwright-core')"
echo "$want" > "$stamp"
echo "tests/web/setup.sh: installed playwright-core $(node -p "require('playwright-core/package.json').version") into tests/web/node_modules"
