# tools/deps.sh: sourced by tools/up and tests/run. Installs the Debian packages
# Seurone needs when they are missing (as root), or names the apt-get line.
#   sr_need_packages PKG...   exits 3 when packages are missing and we are not root

sr_need_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "seurone: missing Debian packages: ${missing[*]}" >&2
    echo "seurone: run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
  echo "== installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || { echo "seurone: apt-get update failed (is the network up?)" >&2; exit 3; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    { echo "seurone: apt-get install ${missing[*]} failed" >&2; exit 3; }
}

# What building the node needs.
# libmicrohttpd and libqrencode: the web app's HTTP server and its QR codes (node/web*.c).
SR_BUILD_PACKAGES=(build-essential cmake pkg-config libsodium-dev libmsgpack-dev liblmdb-dev libuv1-dev libjansson-dev
  libmicrohttpd-dev libqrencode-dev)
# What the tests need besides: clang for libFuzzer, the Python oracles (NetworkX needs
# numpy and scipy for pagerank, and --no-install-recommends leaves them out), lmdb-utils.
# clang-format for the style check (tools/dev/format). Node.js for the SHS suite (tests/net)
# and the browser tests (tests/web), which drive Debian's chromium headless; not the npm
# package: a nodejs that bundles npm (NodeSource's) conflicts with it, and the setup.sh
# scripts install npm when the command is missing. The two fonts give the browser tests'
# screenshots CJK and emoji glyphs. iproute2 (`ip`) for the network namespaces of
# tests/multi/test_lan.py (not in a minbase Debian); nftables (`nft`) for the partitions
# and loss of tests/multi/test_partitions.py. systemd for `systemd-analyze verify` of the
# unit the package ships (tests/cli/test_package.py; cpack's dpkg-shlibdeps comes with
# build-essential's dpkg-dev, and cpack needs `file` for it, absent from a minbase Debian). prometheus: the real server that scrapes the metrics
# endpoint in tests/multi/test_metrics.py. pandas and matplotlib for the study of
# docs/research.md, which tests/cli/test_research.py runs.
SR_TEST_PACKAGES=(clang clang-format libclang-rt-dev python3 python3-nacl python3-msgpack python3-networkx python3-numpy python3-scipy python3-igraph python3-pandas python3-matplotlib lmdb-utils
  iproute2 nftables nodejs chromium fonts-noto-color-emoji fonts-wqy-zenhei systemd file prometheus)
# Only for tools/bench/bench_metrics.py, never for building or testing: graph-tool (OpenMP,
# both cores) is the reference the threaded metrics (betweenness, harmonic) are timed against.
SR_BENCH_PACKAGES=(python3-graph-tool)
