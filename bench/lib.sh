# Shared helpers for bench/bench_*.sh (sourced).
# median_time CMD...: run the command $RUNS times (default 5), print the median
# wall time in seconds. stdout of the command is discarded.
RUNS=${RUNS:-5}
median_time() {
  local times=() i s e
  for ((i = 0; i < RUNS; i++)); do
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "bench: command failed: $*" >&2; return 1; }
    e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.4f\n", m}'
}
# peak_rss_kb CMD...: peak resident set size of one run, in KiB.
peak_rss_kb() {
  /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1
}
ratio() { echo "scale=2; $1 / $2" | bc -l; }
