-- wrk script for the portal benchmark. Settings come from the environment:
--   BENCH_METHOD   GET or POST
--   BENCH_COOKIE   the Cookie header (a logged-in session, or an anonymous one for log-in)
--   BENCH_CSRF     the session's CSRF token (sent as X-CSRFToken and as the csrf_token field)
--   BENCH_HTMX     "1" to send HX-Request: true
--   BENCH_BODY     the urlencoded form (POST)
--   BENCH_SEQ_FILE a file of "path|body" lines taken in turn, each once; a thread stops when its
--                  share is used up (approve: every request acts on a different plan)
-- done() prints one JSON line with the summary and the latency percentiles (microseconds).

local method = os.getenv("BENCH_METHOD") or "GET"
local cookie = os.getenv("BENCH_COOKIE") or ""
local csrf = os.getenv("BENCH_CSRF") or ""
local htmx = os.getenv("BENCH_HTMX") == "1"
local body = os.getenv("BENCH_BODY") or ""
local seq_file = os.getenv("BENCH_SEQ_FILE") or ""

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

local seq = nil
local next_index = 1

function init(args)
   wrk.method = method
   wrk.headers["Cookie"] = cookie
   if csrf ~= "" then wrk.headers["X-CSRFToken"] = csrf end
   if htmx then wrk.headers["HX-Request"] = "true" end
   if method == "POST" then
      wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
      wrk.body = body
   end
   if seq_file ~= "" then
      seq = {}
      local n = 0
      local total = tonumber(os.getenv("BENCH_THREADS") or "2")
      for line in io.lines(seq_file) do
         n = n + 1
         if (n - 1) % total == (id - 1) then table.insert(seq, line) end
      end
   end
end

function request()
   if seq ~= nil then
      local line = seq[next_index]
      if line == nil then
         -- every plan of this thread's share is taken: a cheap read until the thread stops
         return wrk.format("GET", "/healthz", nil, "")
      end
      next_index = next_index + 1
      local sep = string.find(line, "|", 1, true)
      return wrk.format(nil, string.sub(line, 1, sep - 1), nil, string.sub(line, sep + 1))
   end
   return wrk.format()
end

local statuses = {}

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if seq ~= nil and next_index > #seq then wrk.thread:stop() end
end

function done(summary, latency, requests)
   local errors = summary.errors
   local out = string.format(
      '{"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, ' ..
      '"write_errors": %d, "status_errors": %d, "timeouts": %d, "mean_us": %.1f, ' ..
      '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}',
      summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
      errors.status, errors.timeout, latency.mean, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), latency.max)
   io.write("BENCH_RESULT " .. out .. "\n")
end
