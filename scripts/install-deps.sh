#!/usr/bin/env bash
# install-deps.sh installs every build, test and benchmark dependency of Atrium
# from Debian's packages. README, .ci/run and the Dockerfile all call this one
# script so that the three never drift apart.
#
#   scripts/install-deps.sh            build + test + bench dependencies
#   scripts/install-deps.sh --runtime  only the shared libraries the binary needs
set -euo pipefail

runtime_pkgs=(
  ca-certificates
  libcurl4
  libyaml-cpp0.7
  libre2-9
  liburcu8
  libssl3
  libprometheus-cpp-core1.0
  libcpp-httplib0.11
  libboost-system1.74.0
)

build_pkgs=(
  build-essential
  cmake
  ninja-build
  pkg-config
  git
  curl
  ca-certificates
  libboost-dev
  libboost-system-dev
  liburcu-dev
  libre2-dev
  libyaml-cpp-dev
  libcpp-httplib-dev
  nlohmann-json3-dev
  prometheus-cpp-dev
  libcurl4-openssl-dev
  libssl-dev
  libgoogle-perftools-dev  # tcmalloc_minimal: -DATRIUM_TCMALLOC=ON, tests/base/thread_cache_test
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  clang-format
  openssl
  nginx-light
  wrk
  prometheus  # ships promtool: the admin tests check /metrics with it
  # The chart tests (tests/chart) and the Prometheus end-to-end test
  # (tests/e2e/prometheus): the chart renderer is Go text/template + sprig,
  # built offline from Debian's Go packages (GOPATH=/usr/share/gocode).
  golang
  golang-github-masterminds-sprig-dev
  golang-github-ghodss-yaml-dev
  golang-github-xeipuuv-gojsonschema-dev
  python3
  python3-yaml
  yamllint
)

mode=${1:-}
if [[ "$mode" == "--runtime" ]]; then
  pkgs=("${runtime_pkgs[@]}")
else
  pkgs=("${build_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
