-- wrk script: echo.lua, paced. Each connection waits `pace_ms` (default 5) between getting an answer and sending the
-- next request, so N connections send at most N * 1000 / pace_ms requests a second (100 connections: 20,000/s).
-- Usage: wrk -t2 -c100 -d60s --latency -s bench/http/echo-paced.lua http://127.0.0.1:5911/mcp
local here = (debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./")
dofile(here .. "echo.lua")

local pace = tonumber(os.getenv("PACE_MS") or "5")

function delay()
  return pace
end
