-- wrk script: one session-based MCP tools/call of `echo` per request (2025-11-25), in the session named by the
-- environment variable MCP_SESSION (run-redis.sh creates it with initialize first).
-- Usage: MCP_SESSION=... wrk -t1 -c16 -d10s --latency -s bench/http/session-echo.lua http://127.0.0.1:5932/mcp
local session = assert(os.getenv("MCP_SESSION"), "set MCP_SESSION to a session id")
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
wrk.headers["Mcp-Session-Id"] = session
