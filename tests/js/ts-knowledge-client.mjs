// Calls every knowledge tool through the official TypeScript SDK client's callTool, which validates each
// structuredContent against the tool's outputSchema (ajv) and throws when it does not match; prints what it saw as JSON.
// Usage: node ts-knowledge-client.mjs http://127.0.0.1:PORT/mcp
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = process.argv[2];
const client = new Client({ name: "contexthub-ts-knowledge", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(new URL(url));
await client.connect(transport);

// listTools caches the output-schema validators callTool uses.
const tools = (await client.listTools()).tools;
const run = Math.random().toString(36).slice(2, 10);
const text = `Glacier survey ${run}: the ice front retreated forty metres this summer.`;
const calls = [];
async function call(name, args) {
  try {
    const result = await client.callTool({ name, arguments: args });
    calls.push({ name, ok: true, isError: result.isError === true, structured: result.structuredContent ?? null });
    return result;
  } catch (e) {
    calls.push({ name, ok: false, error: { code: e.code, message: e.message } });
    return null;
  }
}

const added = await call("ingest", { source: `survey/${run}.md`, text, tags: [`ice-${run}`] });
await call("ingest", { source: `copy/${run}.md`, text });
await call("ingest", { source: `survey/${run}.md`, text: text + " Revised.", tags: [`ice-${run}`] });
await call("ingest", { source: `empty/${run}.txt`, text: "  " });
await call("ingest_many", { documents: [
  { source: `many/${run}-1.md`, text: `Crevasse map ${run}` },
  { source: `many/${run}-2.md`, text: `Crevasse map ${run}` },
  { source: `many/${run}-3.pdf`, data: "%%%" },
] });
await call("search", { query: "ice front retreated", tags: [`ice-${run}`] });
await call("search", { query: "xylophone quasar", mode: "fulltext" });
const id = added?.structuredContent?.id;
await call("fetch", { id });
await call("fetch", { id: `missing-${run}` });
await call("delete", { id });
await call("delete", { id });
await call("tool_calls", { limit: 3 });

console.log(JSON.stringify({
  withOutputSchema: tools.filter((t) => t.outputSchema).map((t) => t.name),
  calls,
}));
await transport.terminateSession();
await client.close();
