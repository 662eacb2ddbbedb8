// Runs one GraphQL operation over WebSocket with the graphql-ws client (protocol graphql-transport-ws) and prints
// each event it receives as one JSON line; ends after the first event ("first") or when the server completes ("all").
// A failure is printed as {"error": ...}: the GraphQL errors of an "error" message, or the close code and reason.
// Usage: node graphql-ws-client.mjs ws://127.0.0.1:5100/graphql '<query>' ['<variables json>'] [first|all] [timeout ms]
//        ['<connection_init payload json>', e.g. '{"Authorization":"Bearer ..."}']
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, query, variablesJson, mode = 'first', timeoutMs = '30000', connectionParamsJson] = process.argv.slice(2);
if (!url || !query) {
  console.error('usage: node graphql-ws-client.mjs <ws url> <query> [variables json] [first|all] [timeout ms] [connection_init payload json]');
  process.exit(2);
}

const timer = setTimeout(() => {
  console.error(`no ${mode === 'first' ? 'event' : 'completion'} within ${timeoutMs} ms`);
  process.exit(3);
}, Number(timeoutMs));

const connectionParams = connectionParamsJson ? JSON.parse(connectionParamsJson) : undefined;
const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
try {
  const variables = variablesJson ? JSON.parse(variablesJson) : undefined;
  for await (const event of client.iterate({ query, variables })) {
    console.log(JSON.stringify(event));
    if (mode === 'first') {
      break;
    }
  }
} catch (error) {
  const printable = Array.isArray(error)
    ? error
    : { code: error?.code, reason: error?.reason, message: error?.message ?? String(error) };
  console.log(JSON.stringify({ error: printable }));
}

clearTimeout(timer);
await client.dispose();
process.exit(0);
