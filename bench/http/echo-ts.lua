-- wrk script for the TypeScript SDK baseline (ts-server). @modelcontextprotocol/sdk 1.32.2 knows revisions up to
-- 2025-11-25 and rejects "MCP-Protocol-Version: 2026-07-28" with 400, so this sends the same body and headers as
-- echo.lua except for that header. In stateless mode the TS SDK needs no initialize and ignores the 2026 _meta
-- fields, so the bytes on the wire differ only in that one header value.
protocol_version = "2025-11-25"
local here = (debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./")
dofile(here .. "echo.lua")
