// Baseline for bench/run-http.sh: the official TypeScript MCP SDK (@modelcontextprotocol/sdk) serving one `echo`
// tool over stateless Streamable HTTP with JSON responses. As in the SDK's stateless example, every POST gets a
// fresh McpServer + StreamableHTTPServerTransport (sessionIdGenerator: undefined), closed when the response closes.
// Usage: node server.mjs --port 5904 [--host 127.0.0.1]   (or PORT / HOST in the environment)
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import * as z from 'zod/v4';

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at >= 0 && at + 1 < process.argv.length) return process.argv[at + 1];
  return process.env[name.toUpperCase()] ?? fallback;
}

const host = option('host', '127.0.0.1');
const port = Number(option('port', '5904'));

function createServer() {
  const server = new McpServer({ name: 'bench-ts-server', version: '1.0.0' });
  server.registerTool(
    'echo',
    {
      description: 'Echoes the message back.',
      inputSchema: { message: z.string().describe('The message to echo.') },
    },
    async ({ message }) => ({ content: [{ type: 'text', text: `echo: ${message}` }] }),
  );
  return server;
}

const methodNotAllowed = JSON.stringify({
  jsonrpc: '2.0',
  error: { code: -32000, message: 'Method not allowed.' },
  id: null,
});

const app = createMcpExpressApp({ host });

app.post('/mcp', async (req, res) => {
  const server = createServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (error) {
    console.error('Error handling MCP request:', error);
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});

app.get('/mcp', (_req, res) => res.writeHead(405, { 'Content-Type': 'application/json' }).end(methodNotAllowed));
app.delete('/mcp', (_req, res) => res.writeHead(405, { 'Content-Type': 'application/json' }).end(methodNotAllowed));

const listener = app.listen(port, host, (error) => {
  if (error) {
    console.error('Failed to start:', error);
    process.exit(1);
  }
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => listener.close(() => process.exit(0)));
}
