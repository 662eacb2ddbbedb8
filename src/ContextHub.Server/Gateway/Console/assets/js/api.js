// Every call of the console goes through a door of the server: REST (/api/v1), MCP (/mcp) or GraphQL (/graphql).
// The session cookie is sent by the browser; state-changing requests echo the anti-forgery token in X-CSRF-Token.

export const REST = '/api/v1';

/** An error answered by the server, with its RFC 7807 problem (or JSON-RPC error) when there is one. */
export class ServerError extends Error {
  constructor(status, message, problem) {
    super(message);
    this.status = status;
    this.problem = problem;
  }
}

export function csrfToken() {
  const entry = document.cookie.split('; ').find(c => c.startsWith('contexthub-csrf='));
  return entry ? decodeURIComponent(entry.slice('contexthub-csrf='.length)) : '';
}

export function writeHeaders(method, headers = {}) {
  const all = { ...headers };
  if (!['GET', 'HEAD'].includes(method)) {
    const token = csrfToken();
    if (token) all['X-CSRF-Token'] = token;
  }
  return all;
}

/** fetch with the console's headers; JSON in and out; a problem becomes a ServerError naming its detail. */
export async function request(method, url, { json, body, headers, signal, raw } = {}) {
  const init = { method, headers: writeHeaders(method, headers), signal, credentials: 'same-origin' };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(url, init);
  if (raw) return response;
  const type = response.headers.get('Content-Type') ?? '';
  const data = response.status === 204 ? null
    : type.includes('json') ? await response.json().catch(() => null)
    : await response.text();
  if (!response.ok) {
    const detail = data && typeof data === 'object' ? (data.detail || data.title || data.error?.message) : data;
    throw new ServerError(response.status, `${response.status} ${response.statusText}${detail ? `: ${detail}` : ''}`, data);
  }
  return data;
}

export const rest = {
  get: (path, options) => request('GET', REST + path, options),
  post: (path, json, options) => request('POST', REST + path, { ...options, json }),
  del: (path, options) => request('DELETE', REST + path, options),
};

/** Every page of a REST list (follows nextCursor). */
export async function listAll(path, field) {
  const items = [];
  let cursor;
  do {
    const page = await rest.get(path + (cursor ? `${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}` : ''));
    items.push(...(page[field] ?? []));
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export const callTool = (name, args) => rest.post(`/tools/${encodeURIComponent(name)}/call`, args ?? {});

/** One stateless MCP request (revision 2026-07-28) to /mcp. */
export async function mcp(method, params = {}) {
  const version = '2026-07-28';
  const body = { jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientInfo': { name: 'contexthub-console', version: '1.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
    ...(params._meta ?? {}) } } };
  const response = await request('POST', '/mcp', { json: body, raw: true, headers: {
    Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': version, 'Mcp-Method': method } });
  const text = await response.text();
  let message;
  if ((response.headers.get('Content-Type') ?? '').includes('text/event-stream')) {
    const data = text.split('\n').filter(l => l.startsWith('data:')).map(l => JSON.parse(l.slice(5))).find(m => 'result' in m || 'error' in m);
    message = data;
  } else {
    message = text ? JSON.parse(text) : null;
  }
  if (!response.ok || !message || message.error) {
    throw new ServerError(response.status, message?.error?.message ?? `${response.status} ${response.statusText}`, message?.error);
  }
  return message.result;
}

/** GET that reports 404 as null: for endpoints a server may not have (metrics, API keys, readiness). */
export async function optional(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (response.status === 404) { await response.text(); return null; }
  return response;
}
