-- wrk script: GET /ads for a random client from the seeded list.
local ids = {}
for line in io.lines(os.getenv("BENCH_CLIENTS_FILE") or "/tmp/adflow-bench-clients.txt") do
  ids[#ids + 1] = line
end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/ads?client_id=" .. ids[math.random(#ids)])
end
