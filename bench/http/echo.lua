-- wrk script: one stateless MCP tools/call of the `echo` tool per request, protocol revision 2026-07-28.
-- Body: echo-request.json beside this file (the same bytes run-http.sh checks with curl before the load).
-- Answered by ContextHub, the C# SDK baseline (SdkServer, which replies as SSE) and the bare ceiling (BareServer).
-- Usage: wrk -t1 -c32 -d15s --latency -s bench/http/echo.lua http://127.0.0.1:5911/mcp
-- A global `protocol_version` set before this file runs overrides the MCP-Protocol-Version header (see echo-ts.lua).

local here = (debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./")
local file = assert(io.open(here .. "echo-request.json", "rb"), "cannot open " .. here .. "echo-request.json")
local body = file:read("*a"):gsub("%s+$", "")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "echo"
wrk.headers["MCP-Protocol-Version"] = protocol_version or "2026-07-28"
