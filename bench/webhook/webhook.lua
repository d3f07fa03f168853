-- wrk script for the webhook intake benchmark: POSTs pre-signed LINE webhook bodies.
--
--   wrk -tN -c32 -d10s --latency -s webhook.lua URL -- BODIES_FILE [N] [PATH]
--
-- BODIES_FILE comes from gen_bodies.py: one request per line, "signature TAB body". N must repeat
-- wrk's thread count (default 1; a wrk script cannot read it, and each thread's init() runs
-- before the next thread exists). The path is the one of URL unless PATH is given.
--
-- Every request takes the next line; with several threads, thread k of n takes lines k, k+n,
-- k+2n, ... so no two threads send the same event. The file is read as a stream (a few hundred
-- MiB need not sit in Lua memory).
--
-- When a thread reaches the end of the file it starts again from the top: from then on its
-- events are duplicates (same webhookEventId), which the server de-duplicates instead of storing,
-- so such a run no longer measures intake of new events. done() reports the wrap-arounds; size
-- the file so that they stay at 0 (run.sh warns otherwise).

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local file, nthreads, path, lineno
wrapped = 0

local function next_line()
   local line = file:read("*l")
   if line == nil then
      wrapped = wrapped + 1
      file:seek("set", 0)
      lineno = 0
      line = file:read("*l")
   end
   lineno = lineno + 1
   return line
end

function init(args)
   local name = args[1] or os.getenv("BODIES_FILE")
   if not name then
      error("usage: wrk ... -s webhook.lua URL -- BODIES_FILE [THREADS] [PATH]")
   end
   file = assert(io.open(name, "rb"))
   file:setvbuf("full", 1024 * 1024)
   nthreads = tonumber(args[2] or 1)
   if tid >= nthreads then
      error("webhook.lua: wrk runs more threads than the THREADS argument says")
   end
   path = args[3] or os.getenv("WEBHOOK_PATH") -- nil: the URL's path (wrk.path)
   lineno = 0
   -- thread k starts at line k (0-based)
   for _ = 1, tid do next_line() end
end

function request()
   local line = next_line()
   -- skip the lines that belong to the other threads
   for _ = 2, nthreads do next_line() end
   local tab = line:find("\t", 1, true)
   return wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["X-Line-Signature"] = line:sub(1, tab - 1),
   }, line:sub(tab + 1))
end

function done(summary, latency, requests)
   local wraps = 0
   for _, thread in ipairs(threads) do
      wraps = wraps + (thread:get("wrapped") or 0)
   end
   local e = summary.errors
   local secs = summary.duration / 1e6
   -- wrk counts answers outside 2xx/3xx in errors.status; each body carries one event, so
   -- events/s counts the requests that were answered with success.
   io.write(string.format(
      "WEBHOOK_BENCH requests=%d ok=%d non2xx=%d socket_errors=%d seconds=%.3f rps=%.1f events_per_s=%.1f " ..
      "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f wraps=%d\n",
      summary.requests, summary.requests - e.status, e.status,
      e.connect + e.read + e.write + e.timeout, secs,
      summary.requests / secs, (summary.requests - e.status) / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, wraps))
end
