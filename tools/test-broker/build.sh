#!/usr/bin/env bash
# Builds the Kafka-protocol test broker: librdkafka's mock cluster (static library, built from the
# librdkafka sources shipped inside a pinned npm tarball) plus our program and protocol extension.
# Every step is skipped when its stamp says it is up to date, so a second run takes milliseconds.
# Needs only gcc, make, npm (and tar, sha256sum, flock from a base Debian system).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="$here/.build"

# The pinned source: @confluentinc/kafka-javascript@1.10.1 ships librdkafka 2.15.1 in package/deps/librdkafka.
package_spec='@confluentinc/kafka-javascript@1.10.1'
tarball_name='confluentinc-kafka-javascript-1.10.1.tgz'
tarball_sha1='8a6fdeb9e1b225f020299a313f9aebc7502e57bf'
configure_flags=(--disable-ssl --disable-gssapi --disable-curl --disable-zstd --disable-lz4-ext --disable-zlib)

librdkafka_dir="$build_dir/librdkafka"
library="$librdkafka_dir/src/librdkafka.a"
binary="$build_dir/bin/streamops-test-broker"

log() { printf '[test-broker build] %s\n' "$*"; }
hash_of() { sha256sum | cut -d' ' -f1; }

mkdir -p "$build_dir/bin"

# Parallel callers (jest workers, setup scripts) must not build into the same folder at once.
exec 9>"$build_dir/.lock"
flock 9

# --- step 1: the pinned tarball ---
if [ ! -f "$build_dir/$tarball_name" ] || [ "$(sha1sum "$build_dir/$tarball_name" | cut -d' ' -f1)" != "$tarball_sha1" ]; then
  log "fetching $package_spec with npm pack"
  rm -f "$build_dir/$tarball_name"
  # npm pack only downloads the tarball: no install scripts run, so no prebuilt binary is fetched.
  (cd "$build_dir" && npm pack "$package_spec" --silent >/dev/null)
  actual_sha1="$(sha1sum "$build_dir/$tarball_name" | cut -d' ' -f1)"
  if [ "$actual_sha1" != "$tarball_sha1" ]; then
    log "checksum mismatch for $tarball_name: expected $tarball_sha1, got $actual_sha1"
    exit 1
  fi
fi

# --- step 2: librdkafka static library (depends only on the tarball and the configure flags) ---
library_hash="$(printf '%s\n' "$tarball_sha1" "${configure_flags[@]}" | hash_of)"
library_stamp="$build_dir/library.stamp"
if [ ! -f "$library" ] || [ ! -f "$library_stamp" ] || [ "$(cat "$library_stamp")" != "$library_hash" ]; then
  log "extracting librdkafka"
  rm -rf "$librdkafka_dir" "$build_dir/extract"
  mkdir -p "$build_dir/extract"
  tar -xzf "$build_dir/$tarball_name" -C "$build_dir/extract" package/deps/librdkafka
  mv "$build_dir/extract/package/deps/librdkafka" "$librdkafka_dir"
  rm -rf "$build_dir/extract"

  started=$SECONDS
  log "configuring librdkafka (log: .build/librdkafka-build.log)"
  (cd "$librdkafka_dir" && ./configure "${configure_flags[@]}") >"$build_dir/librdkafka-build.log" 2>&1 ||
    { tail -n 30 "$build_dir/librdkafka-build.log"; log "configure failed"; exit 1; }
  log "compiling librdkafka.a (about a minute on 2 cores)"
  make -j2 -C "$librdkafka_dir/src" librdkafka.a >>"$build_dir/librdkafka-build.log" 2>&1 ||
    { tail -n 30 "$build_dir/librdkafka-build.log"; log "make failed"; exit 1; }
  echo "$library_hash" >"$library_stamp"
  log "librdkafka.a built in $((SECONDS - started)) s"
fi

# --- step 3: our program (depends on the library, the C sources and this script) ---
program_hash="$( (printf '%s\n' "$library_hash"; cat "$here"/src-c/*.c "$here"/src-c/*.h "$here/build.sh") | hash_of)"
program_stamp="$build_dir/program.stamp"
if [ ! -x "$binary" ] || [ ! -f "$program_stamp" ] || [ "$(cat "$program_stamp")" != "$program_hash" ]; then
  log "compiling streamops-test-broker"
  # librdkafka's internal headers are included as system headers so that -Wextra applies to our code only.
  gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
    -isystem "$librdkafka_dir/src" -isystem "$librdkafka_dir" \
    -o "$binary.tmp" "$here"/src-c/*.c "$library" \
    -lm -ldl -lpthread -lrt
  mv -f "$binary.tmp" "$binary"
  echo "$program_hash" >"$program_stamp"
  log "built $binary"
fi
