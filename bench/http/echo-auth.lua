-- wrk script: echo.lua with a credential, for bench/run-auth.sh. The credential comes from the environment variable
-- CONTEXTHUB_CREDENTIAL (an API key or a JWT) and is sent as `Authorization: Bearer ...`; empty means anonymous.
-- Usage: CONTEXTHUB_CREDENTIAL=chk_... wrk -t1 -c32 -d10s --latency -s bench/http/echo-auth.lua http://127.0.0.1:5931/mcp

local here = (debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./")
dofile(here .. "echo.lua")
local credential = os.getenv("CONTEXTHUB_CREDENTIAL") or ""
if credential ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. credential
end
