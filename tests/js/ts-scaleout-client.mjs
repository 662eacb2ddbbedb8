// Drives two ContextHub replicas behind a load balancer with the official TypeScript MCP SDK client (a session,
// 2025-11-25) and prints what it saw as JSON: which replica answered each request, progress, and a resources/updated
// notification for a change made through the replica that does not hold the client's stream.
// Usage: node ts-scaleout-client.mjs BALANCER_URL REPLICA_A_URL REPLICA_B_URL
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const [balancer, replicaA, replicaB] = process.argv.slice(2);
const answers = [];
const recordingFetch = async (url, init) => {
  const response = await fetch(url, init);
  answers.push({ method: init?.method ?? "GET", replica: response.headers.get("x-replica"), status: response.status });
  return response;
};

const client = new Client({ name: "contexthub-ts-scaleout", version: "1.0.0" }, { capabilities: { elicitation: {} } });
client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { answer: "from either replica" } }));
let heard;
const updated = new Promise((resolve) => { heard = resolve; });
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => heard(n.params.uri));
const transport = new StreamableHTTPClientTransport(new URL(balancer), { fetch: recordingFetch });
await client.connect(transport);

const toolCounts = [];
for (let i = 0; i < 4; i++) {
  toolCounts.push((await client.listTools()).tools.length);
}
const progress = [];
await client.callTool({ name: "countdown", arguments: { from: 3, intervalMs: 100 } }, undefined,
  { onprogress: (p) => progress.push(p.progress) });
// callTool() checks the structured content against ingest's output schema (listTools above cached it).
const ingest = (c, text) => c.callTool({ name: "ingest", arguments: { source: "ts/watched.md", text } });
const ingested = await ingest(client, "typescript first");
// The server asks the client on the call's stream; the client's answer is a new POST, which round robin may bring to
// the other replica: four asks make that certain.
const asks = [];
for (let i = 0; i < 4; i++) {
  asks.push((await client.callTool({ name: "ask_user", arguments: { question: `Which replica? ${i}` } })).content[0].text);
}
const uri = "kb://documents/" + ingested.structuredContent.id;
await client.subscribeResource({ uri });

// The GET stream opens in the background after initialize; find the replica that holds it.
let streamReplica = null;
for (let i = 0; i < 100 && !streamReplica; i++) {
  streamReplica = answers.find((a) => a.method === "GET" && a.status === 200)?.replica ?? null;
  if (!streamReplica) await new Promise((r) => setTimeout(r, 50));
}
const other = streamReplica === "a" ? replicaB : replicaA;
const direct = new Client({ name: "contexthub-ts-direct", version: "1.0.0" });
const directTransport = new StreamableHTTPClientTransport(new URL(other));
await direct.connect(directTransport);
await direct.listTools(); // so its callTool validates ingest's result too
await ingest(direct, "typescript second");
await directTransport.terminateSession();
await direct.close();

const updatedUri = await Promise.race([updated, new Promise((r) => setTimeout(() => r(null), 10000))]);
const texts = [];
for (let i = 0; i < 2; i++) {
  texts.push((await client.readResource({ uri })).contents[0].text);
}

console.log(JSON.stringify({
  sessionId: transport.sessionId ?? null,
  protocolVersion: transport.protocolVersion ?? null,
  toolCounts,
  progress,
  uri,
  streamReplica,
  updatedUri,
  texts,
  asks,
  postReplicas: [...new Set(answers.filter((a) => a.method === "POST").map((a) => a.replica))].sort(),
  failures: answers.filter((a) => a.status >= 400),
}));
await transport.terminateSession();
await client.close();
