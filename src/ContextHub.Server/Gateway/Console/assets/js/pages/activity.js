import { h, fill, heading, alertBox, uid, formatTime } from '../dom.js';
import { callTool } from '../api.js';
import { graphql } from '../graphql.js';

const EVENTS = 'subscription { serverEvents { kind uri } }';

export async function render(main) {
  main.append(...heading('Activity', 'The record of tool calls (the tool_calls tool) and a live feed of what changes on the server.'));
  const ids = { tool: uid('tool'), caller: uid('caller'), outcome: uid('outcome'), since: uid('since'), limit: uid('limit') };
  const tool = h('input', { id: ids.tool, type: 'text', name: 'tool' });
  const caller = h('input', { id: ids.caller, type: 'text', name: 'caller', placeholder: 'identity@transport' });
  const outcome = h('select', { id: ids.outcome, name: 'outcome' }, ['', 'success', 'error', 'cancelled', 'timedout'].map(o => h('option', { value: o }, o || 'any')));
  const since = h('input', { id: ids.since, type: 'datetime-local', name: 'since' });
  const limit = h('input', { id: ids.limit, type: 'number', name: 'limit', min: 1, max: 500, value: 50 });
  const table = h('div', { 'aria-live': 'polite' });
  const load = async () => {
    const args = { limit: Number(limit.value) || 50 };
    if (tool.value.trim()) args.tool = tool.value.trim();
    if (caller.value.trim()) args.caller = caller.value.trim();
    if (outcome.value) args.outcome = outcome.value;
    if (since.value) args.since = new Date(since.value).toISOString();
    try {
      const r = await callTool('tool_calls', args);
      if (r.isError) { fill(table, alertBox(r.content?.map(c => c.text).join(' ') || 'The tool_calls tool failed.')); return; }
      const calls = r.structuredContent?.calls ?? [];
      fill(table, h('p', { class: 'muted', role: 'status' }, `${calls.length} call${calls.length === 1 ? '' : 's'}`), h('div', { class: 'table-wrap' }, h('table', {},
        h('caption', { class: 'visually-hidden' }, 'Recorded tool calls, newest first'),
        h('thead', {}, h('tr', {}, ['When', 'Tool', 'Caller', 'Outcome', 'Duration (ms)', 'Result'].map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, calls.map(c => h('tr', {}, h('td', {}, formatTime(c.timestamp)), h('td', {}, c.tool), h('td', {}, c.caller),
          h('td', {}, h('span', { class: `badge ${c.outcome === 'success' ? 'ok' : 'bad'}` }, c.outcome)), h('td', {}, String(c.durationMs)), h('td', {}, c.result ?? '')))))));
    } catch (e) {
      fill(table, alertBox(`Loading the record failed: ${e.message}`));
    }
  };
  const feed = h('ul', { class: 'feed', 'aria-label': 'Live notifications' });
  const feedStatus = h('p', { class: 'muted', role: 'status' }, 'Listening for notifications…');
  const stop = graphql.subscribe(EVENTS, {}, {
    next: payload => {
      const e = payload.data?.serverEvents;
      if (!e) return;
      feedStatus.textContent = 'Listening for notifications.';
      feed.prepend(h('li', {}, h('time', {}, formatTime(Date.now())), ' ', h('span', { class: 'badge' }, e.kind), e.uri ? ` ${e.uri}` : ''));
      while (feed.children.length > 100) feed.lastChild.remove();
    },
    error: e => { feedStatus.textContent = `The live feed stopped: ${e.message}`; },
  }, { live: true });
  main.append(
    h('form', { class: 'panel', 'aria-label': 'Filter tool calls', onsubmit: e => { e.preventDefault(); load(); } }, h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: ids.tool }, 'Tool'), tool),
      h('div', { class: 'field' }, h('label', { for: ids.caller }, 'Caller'), caller),
      h('div', { class: 'field' }, h('label', { for: ids.outcome }, 'Outcome'), outcome),
      h('div', { class: 'field' }, h('label', { for: ids.since }, 'Since'), since),
      h('div', { class: 'field' }, h('label', { for: ids.limit }, 'How many'), limit)),
    h('button', { type: 'submit' }, 'Show calls')),
    h('section', { class: 'panel', 'aria-labelledby': 'act-calls' }, h('h2', { id: 'act-calls' }, 'Tool calls'), table),
    h('section', { class: 'panel', 'aria-labelledby': 'act-feed' }, h('h2', { id: 'act-feed' }, 'Live notifications'), feedStatus, feed));
  await load();
  return stop;
}
