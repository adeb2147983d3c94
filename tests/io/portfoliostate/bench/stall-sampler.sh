#!/bin/bash
# Samples a running LiveBench (or any bench) for a stall hunt until the bench JVM is gone or $2
# seconds (default 240) have passed, into directory $1: PostgreSQL every $3 seconds (default 2),
# thread dumps every $4 seconds (default 10: a dump of the bench JVM stops it for 80-150 ms at
# safepoint on this machine, which every 3 s showed in the measured tail):
#   threads-<pid>-<time>.txt  jcmd Thread.print of every bench and client JVM of this worktree
#   pg-<time>.txt             pg_stat_activity (client backends: state, wait event, transaction
#                             age, query) and the locks not granted, of the newest embedded
#                             PostgreSQL under target/bench-data
#   top.txt                   per-sample load average and each JVM's CPU ticks
# Usage: stall-sampler.sh <out dir> [seconds] [pg interval] [dump interval]   (beside the bench run)
set -u
out=$1; limit=${2:-240}; every=${3:-2}; dumpEvery=${4:-10}; lastDump=0
mkdir -p "$out"
root=$(cd "$(dirname "$0")/../../../.." && pwd)
end=$(( $(date +%s) + limit )); seen=0
while [ "$(date +%s)" -lt "$end" ]; do
  now=$(date +%H%M%S)
  # pgrep, not jcmd -l: that starts a JVM, half a second of CPU on this 2-core machine.
  pids=$(pgrep -f 'java.* io[.]portfoliostate[.]bench[.]')
  dump=0; if [ $(( $(date +%s) - lastDump )) -ge "$dumpEvery" ]; then dump=1; lastDump=$(date +%s); fi
  for pid in $pids; do
    # Only JVMs started from this worktree (others may bench at the same time).
    if [ "$(readlink /proc/$pid/cwd 2>/dev/null)" = "$root" ] || grep -q "$root" /proc/$pid/cmdline 2>/dev/null; then
      seen=1
      [ $dump = 1 ] && jcmd "$pid" Thread.print > "$out/threads-$pid-$now.txt" 2>&1
      echo "$now $pid $(awk '{print $14+$15}' /proc/$pid/stat 2>/dev/null) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/top.txt"
    fi
  done
  pm=$(find "$root/target/bench-data" -name postmaster.pid -mmin -10 2>/dev/null | xargs -r ls -t | head -1)
  if [ -n "$pm" ]; then
    port=$(sed -n 4p "$pm")
    PGPASSWORD=postgres psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -X -q -A -F ' | ' -c "
      select pid, state, wait_event_type, wait_event, now()-xact_start as xact_age, now()-query_start as query_age,
             left(regexp_replace(query, '\s+', ' ', 'g'), 120) as query
        from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()
        order by xact_start nulls last;" -c "
      select locktype, relation::regclass, objid, mode, pid, granted from pg_locks where not granted;" \
      > "$out/pg-$now.txt" 2>&1
  fi
  if [ $seen = 1 ] && [ -z "$pids" ]; then break; fi
  sleep "$every"
done
