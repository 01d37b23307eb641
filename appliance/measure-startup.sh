#!/bin/sh
# Measures the appliance's cold start (launch to both "listening" lines, fresh bundle cache) and its idle RSS
# after 30 s.
# Usage: appliance/measure-startup.sh [runs]   (after `mvn -B -DskipTests install`)
# Environment: CDS=0 measures without the class-data-sharing archive (the copy made here gets its own archive
# otherwise, as an install does); PORT_BASE (default 18000): the SDK port is PORT_BASE+2, gRPC +1, NMOS +12,
# RTSP +554, console +80. Prints each run, then the median, min and max of both figures.
set -eu
runs=${1:-3}
base=${PORT_BASE:-18000}
img=$(mktemp -d)
cp -r "$(dirname "$0")/target/media-proxy/." "$img/"
rm -rf "$img/var" "$img/conf/cm" "$img/conf/console.properties" "$img"/lib/media-proxy.jsa*
printf 'port=%d\n' $((base + 12)) >"$img/deploy/org.mcm.nmos.cfg"
printf 'rtspPort=%d\n' $((base + 554)) >"$img/deploy/org.mcm.transport.rtsp.cfg"
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
  ms=$(( (e - s) / 1000000 ))
  rss=$(( $(ps -o rss= -p "$pid") / 1024 ))
  echo "run $i: start $ms ms, idle RSS $rss MiB"
  echo "$ms $rss" >>"$img/runs"
  kill "$pid"
  wait "$pid" || true
done
for col in 1 2; do
  sort -n -k$col "$img/runs" | awk -v c=$col -v what="$( [ $col = 1 ] && echo 'start ms' || echo 'idle RSS MiB')" \
    '{v[NR]=$c} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%s: median %s, min %s, max %s (%d runs)\n", what, m, v[1], v[NR], NR}'
done
rm -rf "$img"
