// Reads the server's Prometheus text (/metrics) and draws small SVG line charts: requests, errors and latency by door.

const SVG = 'http://www.w3.org/2000/svg';

/** Parses the Prometheus text exposition format into samples { name, labels, value }. */
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) {
      for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"/g)) {
        labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    const value = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

/** Which door a sample belongs to: a door/transport label, else the HTTP route. */
export function doorOf(labels) {
  const named = labels.door ?? labels.transport ?? labels.contexthub_door ?? labels.contexthub_transport;
  if (named) return named;
  const route = labels.http_route ?? labels.route ?? labels.path ?? '';
  if (route.startsWith('/mcp')) return 'mcp';
  if (route.startsWith('/ws')) return 'websocket';
  if (route.startsWith('/api')) return 'rest';
  if (route.startsWith('/graphql')) return 'graphql';
  return null;
}

const isError = labels => {
  const status = Number(labels.http_response_status_code ?? labels.status_code ?? labels.status ?? 0);
  const outcome = (labels.outcome ?? labels.result ?? '').toLowerCase();
  return status >= 400 || labels.error_type !== undefined || ['error', 'failure', 'failed', 'timedout'].includes(outcome);
};

/**
 * Totals by door from one scrape: { door: { count, errors, sum } } taken from a request-duration histogram
 * (ContextHub's HTTP requests by door, else another of its meters with a door label, else ASP.NET Core's
 * http.server.request.duration by route). The scrapes and probes themselves are left out.
 */
export function totalsByDoor(samples) {
  const counts = samples.filter(s => /duration.*_count$/.test(s.name) && doorOf(s.labels) && !['observability', 'other'].includes(doorOf(s.labels)));
  const http = counts.filter(s => s.name === 'contexthub_http_server_request_duration_seconds_count');
  const own = counts.filter(s => s.labels.door ?? s.labels.transport ?? s.labels.contexthub_door ?? s.labels.contexthub_transport);
  const chosen = http.length > 0 ? http : own.length > 0 ? own : counts.filter(s => s.name.startsWith('http_server_request_duration'));
  const totals = {};
  for (const s of chosen) {
    const door = doorOf(s.labels);
    const t = totals[door] ??= { count: 0, errors: 0, sum: 0 };
    t.count += s.value;
    if (isError(s.labels)) t.errors += s.value;
    const sum = samples.find(x => x.name === s.name.replace(/_count$/, '_sum') && sameLabels(x.labels, s.labels));
    if (sum) t.sum += sum.value;
  }
  return totals;
}

const sameLabels = (a, b) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every(k => a[k] === b[k]);
};

/** Per-second rates and mean latency (ms) between two totals taken `seconds` apart. */
export function ratesBetween(before, after, seconds) {
  const rates = {};
  for (const [door, t] of Object.entries(after)) {
    const b = before[door] ?? { count: 0, errors: 0, sum: 0 };
    const dc = Math.max(0, t.count - b.count);
    rates[door] = { requests: dc / seconds, errors: Math.max(0, t.errors - b.errors) / seconds, latencyMs: dc > 0 ? ((t.sum - b.sum) / dc) * 1000 : 0 };
  }
  return rates;
}

/** An SVG line chart of several series (each an array of numbers); labelled for screen readers with the latest values. */
export function lineChart(title, series, unit) {
  const width = 320, height = 140, pad = 24;
  const names = Object.keys(series);
  const max = Math.max(1e-9, ...names.flatMap(n => series[n]));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  const latest = names.map(n => `${n} ${format(series[n].at(-1) ?? 0)} ${unit}`).join(', ');
  svg.setAttribute('aria-label', `${title}: ${latest || 'no traffic yet'}`);
  const axis = document.createElementNS(SVG, 'path');
  axis.setAttribute('d', `M${pad} 4V${height - pad}H${width - 4}`);
  axis.setAttribute('class', 'axis');
  svg.append(axis);
  const label = document.createElementNS(SVG, 'text');
  label.setAttribute('x', '2');
  label.setAttribute('y', '12');
  label.textContent = format(max);
  svg.append(label);
  names.forEach((n, i) => {
    const points = series[n];
    const step = (width - pad - 6) / Math.max(1, points.length - 1);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', `s${i % 4}`);
    line.setAttribute('points', points.map((v, j) => `${(pad + j * step).toFixed(1)},${(height - pad - (v / max) * (height - pad - 8)).toFixed(1)}`).join(' '));
    svg.append(line);
  });
  return svg;
}

export const format = v => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));
