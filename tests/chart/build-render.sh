#!/usr/bin/env bash
# build-render.sh OUT builds the chart renderer (tests/chart/render) into OUT,
# offline, from Debian's Go packages in /usr/share/gocode (golang,
# golang-github-masterminds-sprig-dev, golang-github-ghodss-yaml-dev,
# golang-github-xeipuuv-gojsonschema-dev; scripts/install-deps.sh installs
# them). GOPATH mode: no go.mod, no module proxy, no network.
set -euo pipefail
out=${1:?usage: build-render.sh OUT}
here=$(cd "$(dirname "$0")/render" && pwd)
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
cache=${GOCACHE:-$(dirname "$out")/.gocache}
cd "$here"
env GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$cache" GOFLAGS= GOPROXY=off \
  CGO_ENABLED=0 go build -o "$out" .
