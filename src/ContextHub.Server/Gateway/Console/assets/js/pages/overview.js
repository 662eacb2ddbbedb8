import { h, fill, heading, alertBox, copyBlock } from '../dom.js';
import { listAll, mcp, optional } from '../api.js';
import { parsePrometheus, totalsByDoor, ratesBetween, lineChart, format } from '../metrics.js';

const POLL_MS = 5000;
const HISTORY = 60;

export async function render(main) {
  const origin = location.origin;
  const ws = origin.replace(/^http/, 'ws');
  main.append(...heading('Overview', 'Where the doors are, what the server offers, and how it is doing.'));

  const serverPanel = h('section', { class: 'panel', 'aria-labelledby': 'ov-server' }, h('h2', { id: 'ov-server' }, 'Server'), h('p', { class: 'muted' }, 'Asking the server…'));
  const countsPanel = h('section', { class: 'panel', 'aria-labelledby': 'ov-counts' }, h('h2', { id: 'ov-counts' }, 'What it holds'), h('p', { class: 'muted' }, 'Counting…'));
  const healthPanel = h('section', { class: 'panel', 'aria-labelledby': 'ov-health' }, h('h2', { id: 'ov-health' }, 'Health'), h('p', { class: 'muted' }, 'Checking…'));
  const trafficPanel = h('section', { class: 'panel', 'aria-labelledby': 'ov-traffic' }, h('h2', { id: 'ov-traffic' }, 'Traffic by door'), h('p', { class: 'muted' }, 'Reading /metrics…'));

  const endpoints = h('section', { class: 'panel', 'aria-labelledby': 'ov-doors' }, h('h2', { id: 'ov-doors' }, 'Doors'),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', { class: 'visually-hidden' }, 'Endpoints of every door'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Door'), h('th', { scope: 'col' }, 'Endpoint'))),
      h('tbody', {}, [
        ['MCP Streamable HTTP', `${origin}/mcp`], ['MCP over WebSocket (subprotocol mcp)', `${ws}/ws`],
        ['REST', `${origin}/api/v1`], ['OpenAPI document', `${origin}/openapi/v1.json`],
        ['GraphQL (HTTP)', `${origin}/graphql`], ['GraphQL subscriptions (graphql-transport-ws)', `${ws}/graphql`],
        ['MCP stdio', 'contexthub --stdio'],
      ].map(([door, url]) => h('tr', {}, h('td', {}, door), h('td', {}, h('code', {}, url))))))),
    h('h3', {}, 'Desktop client configuration'),
    copyBlock('Over HTTP (clients that speak Streamable HTTP):', JSON.stringify({ mcpServers: { contexthub: { type: 'http', url: `${origin}/mcp` } } }, null, 2)),
    copyBlock('Over stdio (the client starts the server):', JSON.stringify({ mcpServers: { contexthub: { command: 'dotnet', args: ['/path/to/contexthub.dll', '--stdio'] } } }, null, 2)));

  main.append(h('div', { class: 'grid' }, serverPanel, countsPanel, healthPanel), trafficPanel, endpoints);

  mcp('server/discover').then(result => {
    const info = result._meta?.['io.modelcontextprotocol/serverInfo'] ?? {};
    fill(serverPanel, h('h2', { id: 'ov-server' }, 'Server'), h('dl', { class: 'meta' },
      h('dt', {}, 'Name'), h('dd', {}, info.title ?? info.name ?? 'unknown'),
      h('dt', {}, 'Version'), h('dd', { 'data-testid': 'server-version' }, info.version ?? 'unknown'),
      h('dt', {}, 'Stateless revisions'), h('dd', { 'data-testid': 'stateless-revisions' }, (result.supportedVersions ?? []).join(', ')),
      h('dt', {}, 'Session revisions'), h('dd', { 'data-testid': 'session-revisions' }, `${(result._meta?.['dev.contexthub/sessionVersions'] ?? []).join(', ') || 'none'} (initialize)`),
      h('dt', {}, 'Capabilities'), h('dd', {}, Object.keys(result.capabilities ?? {}).join(', '))));
  }, e => serverPanel.append(alertBox(`server/discover failed: ${e.message}`)));

  Promise.all([listAll('/tools', 'tools'), listAll('/resources', 'resources'), listAll('/resources/templates', 'resourceTemplates'), listAll('/prompts', 'prompts')])
    .then(([tools, resources, templates, prompts]) => {
      const documents = resources.filter(r => r.uri.startsWith('kb://')).length;
      const stat = (label, n) => h('div', {}, h('div', { class: 'stat' }, String(n)), h('div', { class: 'muted' }, label));
      fill(countsPanel, h('h2', { id: 'ov-counts' }, 'What it holds'), h('div', { class: 'stats' },
        stat('tools', tools.length), stat('resources', resources.length - documents), stat('templates', templates.length),
        stat('prompts', prompts.length), stat('knowledge documents', documents)));
    }, e => countsPanel.append(alertBox(`Counting failed: ${e.message}`)));

  health(healthPanel);
  return traffic(trafficPanel);
}

async function health(panel) {
  try {
    const ready = await optional('/health/ready');
    const response = ready ?? await fetch('/healthz');
    const text = await response.text();
    let body = text;
    try { body = JSON.parse(text); } catch { /* plain text */ }
    const ok = response.ok;
    const rows = body && typeof body === 'object'
      ? Object.entries(body.entries ?? body.checks ?? {}).map(([name, e]) => h('li', {}, h('span', { class: `badge ${(e.status ?? e) === 'Healthy' ? 'ok' : 'bad'}` }, e.status ?? String(e)), ' ', name, e.description ? ` — ${e.description}` : ''))
      : [];
    fill(panel, h('h2', { id: 'ov-health' }, 'Health'),
      h('p', {}, h('span', { class: `badge ${ok ? 'ok' : 'bad'}` }, ok ? 'healthy' : `unhealthy (${response.status})`), ' ', ready ? 'readiness (/health/ready)' : 'liveness (/healthz)'),
      rows.length ? h('ul', {}, rows) : null);
  } catch (e) {
    panel.append(alertBox(`Health check failed: ${e.message}`));
  }
}

function traffic(panel) {
  let timer = null;
  let stopped = false;
  let previous = null;
  const history = { requests: {}, errors: {}, latency: {} };
  const draw = rates => {
    for (const [door, r] of Object.entries(rates)) {
      for (const [key, value] of [['requests', r.requests], ['errors', r.errors], ['latency', r.latencyMs]]) {
        (history[key][door] ??= []).push(value);
        if (history[key][door].length > HISTORY) history[key][door].shift();
      }
    }
    const doors = Object.keys(history.requests);
    const legend = h('p', { class: 'legend' }, doors.map((d, i) => h('span', { class: `k${i % 4}` }, d)));
    const chart = (title, key, unit) => h('figure', {}, lineChart(title, history[key], unit), h('figcaption', { class: 'muted' }, `${title} (${unit})`));
    fill(panel, h('h2', { id: 'ov-traffic' }, 'Traffic by door'), legend, h('div', { class: 'grid' },
      chart('Requests', 'requests', 'per second'), chart('Errors', 'errors', 'per second'), chart('Mean latency', 'latency', 'ms')),
      h('p', { class: 'muted' }, doors.length ? `Latest: ${doors.map(d => `${d} ${format(history.requests[d].at(-1))}/s`).join(', ')}` : 'No requests measured yet.'));
  };
  const scrape = async () => {
    try {
      const response = await optional('/metrics');
      if (!response) {
        fill(panel, h('h2', { id: 'ov-traffic' }, 'Traffic by door'), h('p', { class: 'note', 'data-testid': 'metrics-off' }, 'metrics not enabled: this server does not serve /metrics.'));
        return false;
      }
      const totals = totalsByDoor(parsePrometheus(await response.text()));
      const now = performance.now();
      if (previous) draw(ratesBetween(previous.totals, totals, (now - previous.at) / 1000));
      else fill(panel, h('h2', { id: 'ov-traffic' }, 'Traffic by door'), h('p', { class: 'muted' }, 'Measuring… the first chart appears after the next reading.'));
      previous = { totals, at: now };
      return true;
    } catch (e) {
      fill(panel, h('h2', { id: 'ov-traffic' }, 'Traffic by door'), alertBox(`Reading /metrics failed: ${e.message}`));
      return true;
    }
  };
  scrape().then(on => { if (on && !stopped) timer = setInterval(scrape, POLL_MS); });
  return () => { stopped = true; clearInterval(timer); };
}
