#!/bin/bash
# One LiveBench run with the stall sampler beside it, GC and safepoint logs, all under
# target/stalls/<label>-<time>/. Run it through the machine lock:
#   /work/wt/bin/machine bench tests/io/portfoliostate/bench/stall-run.sh <label> "<bench.args>" ["<extra jvm args>"]
set -u
label=$1; args=$2; jvm=${3:-}
root=$(cd "$(dirname "$0")/../../../.." && pwd); cd "$root"
dir=target/stalls/$label-$(date +%H%M%S); mkdir -p "$dir"
echo "$args $jvm" > "$dir/args.txt"
"$root/tests/io/portfoliostate/bench/stall-sampler.sh" "$dir" 400 2 "${DUMP_EVERY:-10}" &
sampler=$!
timeout 300 mvn -q -B -Pbench test-compile exec:exec -Dbench.class=LiveBench \
  -Dbench.jvmArgs="-Xlog:gc,safepoint:file=$root/$dir/gc.log:time,uptime $jvm" \
  -Dbench.args="$args" > "$dir/bench.out" 2>&1
echo "rc=$?" >> "$dir/bench.out"
# A run ended by the timeout leaves its JVMs behind: end those of this worktree, by pid.
for pid in $(jcmd -l 2>/dev/null | awk '/io.portfoliostate.bench/ {print $1}'); do
  grep -q "$root" /proc/$pid/cmdline 2>/dev/null && kill "$pid"
done
kill $sampler 2>/dev/null; wait $sampler 2>/dev/null
echo "$dir"
