import { h, fill, heading, alertBox, pickList, uid } from '../dom.js';
import { listAll, mcp } from '../api.js';
import { startTask } from './tasks.js';
import { graphql } from '../graphql.js';
import { schemaForm } from '../schema-form.js';
import { json } from '../highlight.js';
import { renderContent, structured } from '../content.js';

const CALL = `subscription Call($name: String!, $arguments: JSON) {
  callToolWithProgress(name: $name, arguments: $arguments) { kind progress total message result { content structuredContent isError } }
}`;

export async function render(main) {
  main.append(...heading('Tools', 'Every tool the server offers. Fill in the form generated from its input schema and call it.'));
  const tools = await listAll('/tools', 'tools');
  // Which tools run as tasks: MCP tools/list tells a client that speaks the tasks extension (execution.taskSupport).
  const taskSupport = new Map();
  try {
    let cursor;
    do {
      const page = await mcp('tools/list', { ...(cursor ? { cursor } : {}), _meta: { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } } });
      for (const t of page.tools ?? []) if (t.execution?.taskSupport) taskSupport.set(t.name, t.execution.taskSupport);
      cursor = page.nextCursor;
    } while (cursor);
  } catch { /* without it the tools are still listed and called directly */ }
  const detail = h('section', { class: 'panel', 'aria-live': 'off', 'aria-label': 'Selected tool' }, h('p', { class: 'muted' }, 'Choose a tool.'));
  const searchId = uid('search');
  const listHolder = h('div', {});
  let stop = null;
  const show = filter => {
    const f = filter.trim().toLowerCase();
    const shown = tools.filter(t => !f || t.name.toLowerCase().includes(f) || (t.title ?? '').toLowerCase().includes(f) || (t.description ?? '').toLowerCase().includes(f));
    fill(listHolder, h('p', { class: 'muted', role: 'status' }, `${shown.length} of ${tools.length} tools`),
      pickList('Tools', shown, t => [h('span', { class: 'item-title' }, t.name), h('span', { class: 'item-sub' }, t.title ?? '')], t => {
        stop?.();
        stop = null;
        select(detail, t, s => { stop = s; }, taskSupport.get(t.name));
      }));
  };
  const search = h('input', { id: searchId, type: 'search', placeholder: 'name or description', oninput: e => show(e.target.value) });
  main.append(h('div', { class: 'split' }, h('section', { class: 'panel', 'aria-label': 'Tool list' },
    h('div', { class: 'field' }, h('label', { for: searchId }, 'Search tools'), search), listHolder), detail));
  show('');
  const wanted = new URLSearchParams(location.hash.split('?')[1] ?? '').get('name');
  if (wanted) [...listHolder.querySelectorAll('button.item')].find(b => b.querySelector('.item-title')?.textContent === wanted)?.click();
  return () => stop?.();
}

function select(detail, tool, setStop, taskSupport) {
  const form = schemaForm(tool.inputSchema);
  const annotations = Object.entries(tool.annotations ?? {}).filter(([k]) => k !== 'title');
  const progress = h('progress', { max: 1, value: 0, 'aria-label': `Progress of ${tool.name}` });
  const progressText = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const progressBox = h('div', { hidden: true }, progress, progressText);
  const result = h('div', { 'aria-live': 'polite' });
  const summary = h('div', { role: 'alert' });
  const callButton = h('button', { type: 'submit' }, `Call ${tool.name}`);
  const cancelButton = h('button', { type: 'button', class: 'ghost', disabled: true }, 'Cancel');
  let stop = null;
  const finish = () => { callButton.disabled = false; cancelButton.disabled = true; stop = null; setStop(null); };
  cancelButton.addEventListener('click', () => {
    stop?.();
    progressText.textContent = 'Cancelled.';
    fill(result, h('p', { class: 'note' }, `The call of ${tool.name} was cancelled.`));
    finish();
  });
  const read = () => {
    fill(summary);
    const { value, errors } = form.read();
    if (errors.length) {
      summary.append(h('div', { class: 'alert' }, h('p', {}, `Fix ${errors.length === 1 ? 'this field' : `these ${errors.length} fields`} before calling:`), h('ul', {}, errors.map(e => h('li', {}, e.message)))));
      errors[0].input.focus();
      return null;
    }
    return value;
  };
  const taskButton = taskSupport ? h('button', { type: 'button', class: 'ghost', onclick: async () => {
    const value = read();
    if (!value) return;
    taskButton.disabled = true;
    try {
      const task = await startTask(tool.name, value);
      fill(result, task?.taskId
        ? h('p', { class: 'success', role: 'status' }, `Task ${task.taskId.slice(0, 8)} started (${task.status}). `, h('a', { href: '#/tasks' }, 'Follow it on the Tasks page'))
        : h('p', { class: 'note' }, 'The server ran the call at once instead of as a task.'));
    } catch (e) {
      fill(result, alertBox(`Starting the task failed: ${e.message}`));
    } finally {
      taskButton.disabled = false;
    }
  } }, `Run ${tool.name} as task`) : null;
  const element = h('form', { novalidate: true, onsubmit: event => {
    event.preventDefault();
    const value = read();
    if (!value) return;
    callButton.disabled = true;
    cancelButton.disabled = false;
    progressBox.hidden = true;
    fill(result, h('p', { class: 'muted' }, 'Calling…'));
    stop = graphql.subscribe(CALL, { name: tool.name, arguments: value }, {
      next: payload => {
        if (payload.errors?.length) { fill(result, alertBox(payload.errors.map(e => e.message).join('; '))); return; }
        const event = payload.data?.callToolWithProgress;
        if (!event) return;
        if (event.kind === 'PROGRESS') {
          progressBox.hidden = false;
          if (event.total) { progress.max = event.total; progress.value = event.progress; } else progress.removeAttribute('value');
          progressText.textContent = `${event.progress}${event.total ? ` of ${event.total}` : ''}${event.message ? ` — ${event.message}` : ''}`;
        } else if (event.result) {
          const r = event.result;
          fill(result, h('div', { class: `panel${r.isError ? ' result-error' : ''}` },
            h('h3', {}, r.isError ? 'The tool reported an error' : 'Result'), r.isError ? h('p', { class: 'alert' }, 'isError: true') : null,
            renderContent(r.content), r.structuredContent ? structured(r.structuredContent) : null));
        }
      },
      error: e => { fill(result, alertBox(`The call failed: ${e.message}`)); finish(); },
      complete: () => finish(),
    });
    setStop(stop);
  } }, form.element, summary, h('div', { class: 'row' }, callButton, cancelButton, taskButton));
  fill(detail, 
    h('h2', {}, tool.title ? `${tool.title} (${tool.name})` : tool.name),
    h('p', {}, tool.description ?? ''),
    annotations.length || taskSupport ? h('p', {}, annotations.map(([k, v]) => h('span', { class: 'badge' }, `${k}: ${v}`)), taskSupport ? h('span', { class: 'badge' }, `tasks: ${taskSupport}`) : null) : null,
    h('details', {}, h('summary', {}, 'Input schema'), json(tool.inputSchema)),
    tool.outputSchema ? h('details', {}, h('summary', {}, 'Output schema'), json(tool.outputSchema)) : null,
    h('h3', {}, 'Arguments'), element, progressBox, result);
}
