#!/usr/bin/env bash
# Builds grafana/dashboard-linter into a cache outside the repo and prints the binary's path.
# `go install …@v0.2.0` refuses the module because its go.mod carries a `replace` (memberlist, as Loki), so
# we build it from a wrapper module that requires the linter and repeats that line.
# Needs Go >= 1.26.3 (the linter's go directive) and the Go module proxy.
set -euo pipefail

version="${DASHBOARD_LINTER_VERSION:-v0.2.0}"
cache="${TRACETAIL_CACHE:-$HOME/.cache/tracetail}"
out_dir="$cache/dashboard-linter/$version"
bin="$out_dir/dashboard-linter"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "build-linter: go not found on PATH (need Go >= 1.26.3)" >&2; exit 2; }

export GOTOOLCHAIN=local
export GOMODCACHE="${GOMODCACHE:-$cache/go/mod}"
export GOCACHE="${GOCACHE:-$cache/go/build}"
export CGO_ENABLED=0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > go.mod <<MOD
module tracetail.local/dashboard-linter-wrapper

go 1.26.3

require github.com/grafana/dashboard-linter $version

replace github.com/hashicorp/memberlist => github.com/grafana/memberlist v0.3.1-0.20251126142931-6f9f62ab6f86
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/grafana/dashboard-linter"
GO
go mod tidy -e >&2 || true
go mod download github.com/grafana/dashboard-linter >&2
go get github.com/grafana/dashboard-linter@"$version" >&2
mkdir -p "$out_dir"
started=$(date +%s)
go build -trimpath -o "$bin.tmp" github.com/grafana/dashboard-linter >&2
mv "$bin.tmp" "$bin"
echo "build-linter: built $version in $(( $(date +%s) - started ))s" >&2
echo "$bin"
