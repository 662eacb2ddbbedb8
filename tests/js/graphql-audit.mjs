// Runs graphql-http's GraphQL-over-HTTP audit against a server and prints every result as one JSON array.
// Usage: node graphql-audit.mjs http://127.0.0.1:5100/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql-audit.mjs <graphql url>');
  process.exit(2);
}

const results = await auditServer({ url });
const printed = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    entry.responseStatus = result.response?.status;
  }
  printed.push(entry);
}
console.log(JSON.stringify(printed));
