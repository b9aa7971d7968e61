-- wrk script for bench/bench_server.sh: replays one SigV4-signed request.
-- The request is signed once (by curl --aws-sigv4) with the current time and
-- sent unchanged: ListFindings is a read, which Kensa lets repeat inside the
-- 5-minute signature window (mutating operations would be refused as replays).
wrk.method = "POST"
wrk.body = os.getenv("KS_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Amz-Date"] = os.getenv("KS_DATE")
wrk.headers["Authorization"] = os.getenv("KS_AUTH")

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.status + summary.errors.timeout
  io.write(string.format("KS_RESULT requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
