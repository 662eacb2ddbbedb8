// Drives ContextHub's 2025-11-25 experimental tasks with the official TypeScript SDK client (client.experimental.tasks):
// a task to its result, a task that asks the user (elicitation) on the way, a task cancelled, and the errors for a
// bad task id and for the result of a cancelled task. Prints what it saw as JSON.
// Usage: node ts-task-client.mjs http://127.0.0.1:PORT/mcp
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, TaskStatusNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const url = process.argv[2];
const client = new Client({ name: "contexthub-ts-tasks", version: "1.0.0" }, { capabilities: { elicitation: {} } });
const elicited = [];
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  elicited.push({ message: request.params.message, relatedTask: request.params._meta?.["io.modelcontextprotocol/related-task"]?.taskId ?? null });
  return { action: "accept", content: { confirm: true } };
});
const notified = [];
client.setNotificationHandler(TaskStatusNotificationSchema, (n) => notified.push({ taskId: n.params.taskId, status: n.params.status }));
const transport = new StreamableHTTPClientTransport(new URL(url));
await client.connect(transport);
const tasks = client.experimental.tasks;

const listed = (await client.listTools()).tools.filter((t) => t.execution?.taskSupport).map((t) => ({ name: t.name, taskSupport: t.execution.taskSupport }));
await new Promise((r) => setTimeout(r, 300)); // the GET stream opens in the background

async function drive(params) {
  const messages = [];
  for await (const message of tasks.callToolStream(params, undefined, { task: { ttl: 60000 } })) {
    messages.push(message.type === "error" ? { type: "error", code: message.error.code, message: message.error.message }
      : message.type === "result" ? { type: "result", result: message.result }
      : { type: message.type, taskId: message.task.taskId, status: message.task.status });
  }
  return messages;
}

const completed = await drive({ name: "countdown", arguments: { from: 2, intervalMs: 50 } });
const withInput = await drive({ name: "confirm_delete", arguments: { filename: "notes.txt" } });

// Cancel while it runs.
let cancelledId;
let cancelAnswer;
for await (const message of tasks.callToolStream({ name: "countdown", arguments: { from: 100, intervalMs: 2000 } }, undefined, { task: { ttl: 60000 } })) {
  if (message.type === "taskCreated") {
    cancelledId = message.task.taskId;
    cancelAnswer = await tasks.cancelTask(cancelledId);
  }
  if (message.type === "result" || message.type === "error") break;
}
const afterCancel = await tasks.getTask(cancelledId);
const cancelledResult = await tasks.getTaskResult(cancelledId).then(() => null, (e) => ({ code: e.code, message: e.message }));
const badId = await tasks.getTask("no-such-task").then(() => null, (e) => ({ code: e.code, message: e.message }));
const all = await tasks.listTasks();
await new Promise((r) => setTimeout(r, 300)); // let the last status notifications arrive

console.log(JSON.stringify({
  listed,
  completed,
  withInput,
  elicited,
  cancelAnswer: { taskId: cancelAnswer.taskId, status: cancelAnswer.status },
  afterCancel: afterCancel.status,
  cancelledResult,
  badId,
  listedTasks: all.tasks.map((t) => t.taskId),
  notified,
}));
await transport.terminateSession();
await client.close();
