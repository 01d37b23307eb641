#!/bin/sh
# Measures the appliance's start (launch to both "listening" lines) and its idle RSS 30 s after it.
# Usage: appliance/measure-startup.sh [runs]   (after `mvn -B -DskipTests install`)
# Environment:
#   START=fresh (default) removes the state directory before each run: the first start of a fresh image, empty bundle
#         cache; START=restart starts the image once unmeasured, then measures restarts that keep the bundle cache.
#   RSS=0 skips the 30 s idle wait and the RSS figure (start time only, ~3 s a run instead of ~35 s).
#   AGAINST=<image dir> (e.g. another checkout's appliance/target/media-proxy) runs that image too, alternating
#         with this one run by run (paired A/B), and prints its figures and the ratio of the medians.
#   IMAGE=<image dir> measures that image instead of this checkout's appliance/target/media-proxy.
#   JAVA or JAVA_HOME (as for media_proxy) picks the JDK of both images; AGAINST_JAVA=<java binary> runs the AGAINST
#         image (its archive included) on another one, e.g. this image on JDK 25 against main's on JDK 17.
#   CDS=0 measures without the class-data-sharing archive (the copies made here get their own archive otherwise,
#         as an install does); PORT_BASE (default 18000): the SDK port is PORT_BASE+2, gRPC +1, NMOS +12,
#         RTSP +554 (RTSP_PORT sets it apart), console +80.
# Prints each run (start time, the process's CPU time when both lines were out), then the median, min and max of each
# figure.
set -eu
runs=${1:-3}
base=${PORT_BASE:-18000}
mode=${START:-fresh}
case "$mode" in fresh | restart) ;; *) echo "START must be fresh or restart" >&2; exit 2 ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the java of image copy $1: AGAINST_JAVA for the AGAINST copy, else JAVA (media_proxy's default: JAVA_HOME, java)
java_of() {
  if [ "$1" = "$work/b" ] && [ -n "${AGAINST_JAVA:-}" ]; then echo "$AGAINST_JAVA"; else echo "${JAVA:-java}"; fi
}

prepare() { # prepare <source image> <copy>
  mkdir -p "$2"
  cp -r "$1/." "$2/"
  rm -rf "$2/var" "$2/conf/cm" "$2/conf/console.properties" "$2"/lib/media-proxy.jsa* "$2/out.log"
  printf 'port=%d\n' $((base + 12)) >"$2/deploy/org.mcm.nmos.cfg"
  printf 'rtspPort=%d\n' "${RTSP_PORT:-$((base + 554))}" >"$2/deploy/org.mcm.transport.rtsp.cfg"
  if [ "${CDS:-1}" != 0 ]; then
    JAVA=$(java_of "$2") "$2/bin/media_proxy" --cds-archive >/dev/null
  fi
}

# one start of image $1; appends "ms rss" to $1/runs (rss 0 with RSS=0); $2: measure (1) or not (0)
one() {
  img=$1
  log="$img/out.log"
  [ "$mode" = restart ] || rm -rf "$img/var"
  s=$(date +%s%N)
  JAVA=$(java_of "$img") "$img/bin/media_proxy" -t $((base + 2)) -g $((base + 1)) --console-port $((base + 80)) >"$log" 2>&1 &
  pid=$!
  until grep -q "TCP Server listening" "$log" && grep -q "gRPC Server listening" "$log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.02
  done
  e=$(date +%s%N)
  # the process's CPU time (user + system, all threads) when both lines were out: less noisy on a shared VM than wall
  cpu=$(awk -v t="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / t)}' "/proc/$pid/stat")
  ms=$(( (e - s) / 1000000 ))
  rss=0
  if [ "$2" = 1 ] && [ "${RSS:-1}" != 0 ]; then
    sleep 30
    rss=$(( $(ps -o rss= -p "$pid") / 1024 ))
  elif [ "$mode" = restart ]; then
    # let the start finish (the line after the listeners), so the next run may keep the cache
    until grep -q "media proxy started" "$log"; do
      kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
      sleep 0.02
    done
  fi
  kill "$pid"
  wait "$pid" || true
  if [ "$2" = 1 ]; then
    echo "$ms $rss $cpu" >>"$img/runs"
    if [ "${RSS:-1}" != 0 ]; then
      echo "$3 run $i: start $ms ms (CPU $cpu ms), idle RSS $rss MiB"
    else
      echo "$3 run $i: start $ms ms (CPU $cpu ms)"
    fi
  fi
}

summary() { # summary <image copy> <label>
  cols="1 3"
  [ "${RSS:-1}" = 0 ] || cols="1 3 2"
  for col in $cols; do
    sort -n -k$col "$1/runs" | awk -v c=$col -v what="$2$(case $col in 1) echo 'start ms' ;; 2) echo 'idle RSS MiB' ;; 3) echo 'CPU ms at the lines' ;; esac)" \
      '{v[NR]=$c} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%s: median %s, min %s, max %s (%d runs)\n", what, m, v[1], v[NR], NR}'
  done
}

median() { # median <image copy> <column>
  sort -n -k"$2" "$1/runs" | awk -v c="$2" '{v[NR]=$c} END {print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'
}

prepare "${IMAGE:-$(dirname "$0")/target/media-proxy}" "$work/a"
if [ -n "${AGAINST:-}" ]; then
  prepare "$AGAINST" "$work/b"
fi
if [ "$mode" = restart ]; then
  i=0
  one "$work/a" 0 ""
  [ -z "${AGAINST:-}" ] || one "$work/b" 0 ""
fi
i=0
while [ "$i" -lt "$runs" ]; do
  i=$((i + 1))
  if [ -n "${AGAINST:-}" ]; then
    # alternate which image goes first, so neither always follows the other
    if [ $((i % 2)) = 1 ]; then
      one "$work/a" 1 "this"; one "$work/b" 1 "against"
    else
      one "$work/b" 1 "against"; one "$work/a" 1 "this"
    fi
  else
    one "$work/a" 1 ""
  fi
done
echo "($mode starts)"
if [ -n "${AGAINST:-}" ]; then
  summary "$work/a" "this image, "
  summary "$work/b" "against $AGAINST, "
  echo "ratio of the start medians (this / against): $(awk -v a="$(median "$work/a" 1)" -v b="$(median "$work/b" 1)" 'BEGIN {printf "%.2f", a / b}')"
  echo "ratio of the CPU medians (this / against): $(awk -v a="$(median "$work/a" 3)" -v b="$(median "$work/b" 3)" 'BEGIN {printf "%.2f", a / b}')"
else
  summary "$work/a" ""
fi
