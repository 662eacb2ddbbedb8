// Drives ContextHub with the official TypeScript MCP SDK client over Streamable HTTP and prints what it saw as JSON.
// Usage: node ts-sdk-client.mjs http://127.0.0.1:PORT/mcp
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const url = process.argv[2];
const client = new Client({ name: "contexthub-ts-test", version: "1.0.0" }, { capabilities: { elicitation: {} } });
client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { answer: "from typescript" } }));
let listChanged;
const heardListChanged = new Promise((resolve) => { listChanged = resolve; });
client.setNotificationHandler(ToolListChangedNotificationSchema, () => listChanged(true));

const transport = new StreamableHTTPClientTransport(new URL(url));
await client.connect(transport);

const tools = await client.listTools();
const echo = await client.callTool({ name: "echo", arguments: { message: "from typescript" } });
const stats = await client.callTool({ name: "text_stats", arguments: { text: "one two three" } });
const progress = [];
// 100 ms between steps: the SDK drops a progress notification it reads together with the result.
await client.callTool({ name: "countdown", arguments: { from: 2, intervalMs: 100 } }, undefined,
  { onprogress: (p) => progress.push(p.progress) });
const ask = await client.callTool({ name: "ask_user", arguments: { question: "Who is calling?" } });
const badArguments = await client.callTool({ name: "echo", arguments: {} }).then(
  (r) => r, (e) => ({ code: e.code, message: e.message }));
const prompt = await client.getPrompt({ name: "code_review", arguments: { code: "x = 1", language: "python" } });
const resource = await client.readResource({ uri: "res://samples/README.md" });

// The GET stream opens in the background after initialize; give it a moment before changing the tool list.
await new Promise((r) => setTimeout(r, 300));
await client.callTool({ name: "test_trigger_tool_change", arguments: {} });
const notified = await Promise.race([heardListChanged, new Promise((r) => setTimeout(() => r(false), 5000))]);

console.log(JSON.stringify({
  sessionId: transport.sessionId ?? null,
  protocolVersion: transport.protocolVersion ?? null,
  server: client.getServerVersion(),
  tools: tools.tools.map((t) => t.name),
  echo,
  stats,
  progress,
  ask,
  badArguments,
  promptText: prompt.messages[0].content.text,
  resourceText: resource.contents[0].text,
  listChangedHeard: notified,
}));
await transport.terminateSession();
await client.close();
