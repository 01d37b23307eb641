#!/bin/sh
# Measures the appliance's cold start (launch to both "listening" lines, fresh bundle cache) and its idle RSS
# after 30 s.
# Usage: appliance/measure-startup.sh [runs]   (after `mvn -B -DskipTests install`)
# Environment: CDS=0 measures without the class-data-sharing archive (the copy made here gets its own archive
# otherwise, as an install does); PORT_BASE (default 18000): the SDK port is PORT_BASE+2, gRPC +1, console +80.
set -eu
runs=${1:-3}
base=${PORT_BASE:-18000}
img=$(mktemp -d)
cp -r "$(dirname "$0")/target/media-proxy/." "$img/"
rm -rf "$img/var" "$img/conf/cm" "$img/conf/console.properties" "$img"/lib/media-proxy.jsa*
if [ "${CDS:-1}" != 0 ]; then
  "$img/bin/media_proxy" --cds-archive
fi
log="$img/out.log"
i=0
while [ "$i" -lt "$runs" ]; do
  i=$((i + 1))
  rm -rf "$img/var"
  s=$(date +%s%N)
  "$img/bin/media_proxy" -t $((base + 2)) -g $((base + 1)) --console-port $((base + 80)) >"$log" 2>&1 &
  pid=$!
  until grep -q "TCP Server listening" "$log" && grep -q "gRPC Server listening" "$log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.02
  done
  e=$(date +%s%N)
  sleep 30
  echo "run $i: start $(( (e - s) / 1000000 )) ms, idle RSS $(( $(ps -o rss= -p "$pid") / 1024 )) MiB"
  kill "$pid"
  wait "$pid" || true
done
rm -rf "$img"
