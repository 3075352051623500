-- Replays pre-signed, distinct lead events: each wrk thread takes every Nth line
-- of the file so no event is sent twice. Prints a JSON summary at the end.
-- A line is: path, then header name and value pairs, then the body, tab-separated.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  thread:set("nthreads", 0)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[2])
  requests = {}
  local index = 0
  for line in io.lines(args[1]) do
    if index % nthreads == id then
      local fields = {}
      for field in line:gmatch("[^\t]+") do table.insert(fields, field) end
      local headers = {}
      for i = 2, #fields - 1, 2 do headers[fields[i]] = fields[i + 1] end
      table.insert(requests, wrk.format("POST", fields[1], headers, fields[#fields]))
    end
    index = index + 1
  end
  position = 0
end

function request()
  position = position + 1
  if position > #requests then position = 1 end
  return requests[position]
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
