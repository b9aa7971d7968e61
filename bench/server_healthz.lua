-- wrk script for bench/bench_server.sh: the HTTP floor (no auth, no store).
done = function(summary, latency, requests)
  io.write(string.format("KS_RESULT requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read))
end
