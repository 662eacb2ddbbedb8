// Drives 2025-11-25 tasks that ask the user (elicitation) on two ContextHub replicas behind a load balancer with the
// official TypeScript MCP SDK client (a session, client.experimental.tasks), recording which replica took each request,
// until tasks ran both on the replica holding the client's GET stream and on the other. Prints what it saw as JSON.
// Usage: node ts-task-input-scaleout.mjs BALANCER_URL
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const url = process.argv[2];
const calls = [];
let streamReplica = null;
const recordingFetch = async (input, init) => {
  const response = await fetch(input, init);
  const replica = response.headers.get("x-replica");
  const method = init?.method ?? "GET";
  if (method === "GET" && response.status === 200) streamReplica = replica;
  if (method === "POST" && typeof init.body === "string") {
    const message = JSON.parse(init.body);
    calls.push({ method: message.method ?? "response", replica, status: response.status });
  }
  return response;
};

const client = new Client({ name: "contexthub-ts-task-input", version: "1.0.0" }, { capabilities: { elicitation: {} } });
const elicited = [];
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  elicited.push(request.params._meta?.["io.modelcontextprotocol/related-task"]?.taskId ?? null);
  return { action: "accept", content: { confirm: true } };
});
const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: recordingFetch });
await client.connect(transport);
for (let i = 0; i < 100 && !streamReplica; i++) await new Promise((r) => setTimeout(r, 50)); // the GET stream opens in the background

const rounds = [];
let elsewhere = 0;
let beside = 0;
for (let round = 0; round < 20 && (elsewhere < 2 || beside < 1); round++) {
  // The balancer takes turns, and a round takes a fixed number of requests, which could put every task on the same
  // replica: 0 to 2 pings before a round shift the turn, so tasks land on both sides.
  const pings = Math.floor(Math.random() * 3);
  for (let i = 0; i < pings; i++) await client.ping();
  const before = calls.length;
  const messages = [];
  for await (const message of client.experimental.tasks.callToolStream(
    { name: "confirm_delete", arguments: { filename: `ts-${round}.txt` } }, undefined, { task: { ttl: 60000 } })) {
    messages.push(message.type === "error" ? { type: "error", code: message.error.code, message: message.error.message }
      : message.type === "result" ? { type: "result", text: message.result.content?.[0]?.text }
      : { type: message.type, taskId: message.task.taskId, status: message.task.status });
  }
  const runner = calls.slice(before).find((c) => c.method === "tools/call")?.replica ?? null;
  if (runner === streamReplica) beside++; else elsewhere++;
  rounds.push({ runner, taskId: messages[0]?.taskId ?? null, last: messages[messages.length - 1] ?? null });
}

console.log(JSON.stringify({ streamReplica, rounds, elicited, calls }));
await transport.terminateSession();
await client.close();
