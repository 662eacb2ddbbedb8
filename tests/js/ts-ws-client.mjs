// Drives ContextHub's WebSocket door with the official TypeScript SDK's WebSocketClientTransport (subprotocol "mcp").
// Usage: node ts-ws-client.mjs ws://127.0.0.1:PORT/ws
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { WebSocketClientTransport } from "@modelcontextprotocol/sdk/client/websocket.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import WebSocket from "ws";

// The transport uses the global WebSocket (Node 22 has one); ws is the fallback for older runtimes.
globalThis.WebSocket ??= WebSocket;

const client = new Client({ name: "contexthub-ts-ws-test", version: "1.0.0" });
let listChanged;
const heard = new Promise((resolve) => { listChanged = resolve; });
client.setNotificationHandler(ToolListChangedNotificationSchema, () => listChanged(true));

await client.connect(new WebSocketClientTransport(new URL(process.argv[2])));
const tools = await client.listTools();
const echo = await client.callTool({ name: "echo", arguments: { message: "over websocket" } });
const progress = [];
// 100 ms between steps: the SDK drops a progress notification it reads together with the result.
await client.callTool({ name: "countdown", arguments: { from: 2, intervalMs: 100 } }, undefined,
  { onprogress: (p) => progress.push(p.progress) });
await client.callTool({ name: "test_trigger_tool_change", arguments: {} });
const notified = await Promise.race([heard, new Promise((r) => setTimeout(() => r(false), 5000))]);

console.log(JSON.stringify({
  server: client.getServerVersion(),
  tools: tools.tools.map((t) => t.name),
  echo: echo.content[0].text,
  progress,
  listChangedHeard: notified,
}));
await client.close();
