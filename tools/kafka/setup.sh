#!/usr/bin/env bash
# Resolves the pinned Apache Kafka artifacts (pom.xml) into the ignored .tools/kafka/ folder:
#   .tools/kafka/libs/      the jars, one flat classpath folder for `java -cp '.tools/kafka/libs/*'`
#   .tools/maven-repo/      Maven's local repository, so that later resolutions run offline
# Skipped in milliseconds while the stamp (a hash of pom.xml and this script) matches. Parallel callers are
# serialised with flock. Needs java (17+) and mvn; scripts/setup.sh installs them when missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools_dir="$root/.tools"
kafka_dir="$tools_dir/kafka"
libs_dir="$kafka_dir/libs"
repo_dir="$tools_dir/maven-repo"
stamp_file="$kafka_dir/.stamp"

log() { printf '[kafka setup] %s\n' "$*" >&2; }

mkdir -p "$kafka_dir"
exec 9>"$kafka_dir/.lock"
flock 9

stamp="$(cat "$here/pom.xml" "$here/setup.sh" | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] && [ -d "$libs_dir" ]; then
  exit 0
fi

for command_name in java mvn; do
  command -v "$command_name" >/dev/null 2>&1 || { log "missing $command_name (run scripts/setup.sh)"; exit 1; }
done

resolve() {
  # $1: extra Maven flags (-o for offline)
  rm -rf "$libs_dir.partial"
  mvn -B -q $1 -f "$here/pom.xml" -Dmaven.repo.local="$repo_dir" \
    dependency:copy-dependencies -DoutputDirectory="$libs_dir.partial" -DincludeScope=runtime \
    >"$kafka_dir/maven.log" 2>&1
}

version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
# Offline first: once the repository holds everything, no network is needed.
if resolve -o; then
  log "Kafka $version resolved from the local Maven repository"
else
  log "resolving Kafka $version from Maven Central (log: .tools/kafka/maven.log)"
  if ! resolve ""; then
    log "Maven resolution failed; the end of .tools/kafka/maven.log:"
    tail -20 "$kafka_dir/maven.log" >&2
    exit 1
  fi
fi
rm -rf "$libs_dir"
mv "$libs_dir.partial" "$libs_dir"
printf '%s\n' "$version" >"$kafka_dir/version"
printf '%s\n' "$stamp" >"$stamp_file"
log "$(find "$libs_dir" -name '*.jar' | wc -l) jars in .tools/kafka/libs"
