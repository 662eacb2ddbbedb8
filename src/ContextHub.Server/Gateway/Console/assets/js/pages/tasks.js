// Tasks: tool calls running in the background ("Run as task" on the Tools page) through the REST door
// (POST /api/v1/tools/{name}/call?task=true). The list is the signed-in identity's tasks (GET /api/v1/tasks, whichever
// client started them), each followed live through the GraphQL taskStatus subscription, the result read from
// GET /api/v1/tasks/{id} once completed, and DELETE /api/v1/tasks/{id} to cancel. A task just started from this tab is
// also kept for the tab (sessionStorage) until the server lists it.
import { h, fill, heading, alertBox, formatTime } from '../dom.js';
import { rest, ServerError } from '../api.js';
import { graphql } from '../graphql.js';
import { renderContent, structured } from '../content.js';

const KEY = 'contexthub-tasks';
const ENDED = ['completed', 'failed', 'cancelled'];
const STATUS = 'subscription Status($id: String!) { taskStatus(id: $id) { taskId status statusMessage lastUpdatedAt } }';

export function remembered() {
  try { return JSON.parse(sessionStorage.getItem(KEY) ?? '[]'); } catch { return []; }
}

/** Keeps a task just started (newest first, at most 50). */
export function remember(task, tool) {
  const list = remembered().filter(t => t.id !== task.taskId);
  list.unshift({ id: task.taskId, tool });
  sessionStorage.setItem(KEY, JSON.stringify(list.slice(0, 50)));
}

/** Starts a tool as a task through the REST door; the server answers 202 with the task, or 200 when it ran at once. */
export async function startTask(tool, args) {
  const answer = await rest.post(`/tools/${encodeURIComponent(tool)}/call?task=true`, args ?? {});
  if (answer?.taskId) remember(answer, tool);
  return answer;
}

export async function render(main) {
  main.append(...heading('Tasks', 'Your tool calls running in the background as tasks, whichever client started them ("Run as task" on the Tools page here). Status updates arrive live.'));
  const listed = (await rest.get('/tasks')).tasks.map(t => ({ id: t.taskId, tool: t.toolName ?? '' }));
  const list = [...listed, ...remembered().filter(r => !listed.some(t => t.id === r.id))];
  if (!list.length) {
    main.append(h('p', { class: 'muted', role: 'status' }, 'No tasks yet. On the Tools page, a tool that supports tasks (such as countdown) has a "Run as task" button.'));
    return null;
  }
  const stops = [];
  const tbody = h('tbody', {});
  main.append(h('div', { class: 'table-wrap' }, h('table', { class: 'tasks' },
    h('caption', { class: 'visually-hidden' }, 'Your tasks, newest first'),
    h('thead', {}, h('tr', {}, ['Tool', 'Task', 'Status', 'Updated', 'Result', 'Action'].map(c => h('th', { scope: 'col' }, c)))), tbody)));
  const gone = [];
  for (const entry of list) {
    const id = encodeURIComponent(entry.id);
    const status = h('span', { class: 'badge' }, '…');
    const note = h('span', { class: 'muted' });
    const updated = h('td', {});
    const result = h('td', { 'aria-live': 'polite' });
    const cancel = h('button', { type: 'button', class: 'ghost', disabled: true, 'aria-label': `Cancel the ${entry.tool} task ${entry.id.slice(0, 8)}` }, 'Cancel');
    const row = h('tr', { 'data-task': entry.id }, h('td', {}, entry.tool), h('td', {}, h('code', {}, entry.id.slice(0, 8))),
      h('td', { role: 'status' }, status, ' ', note), updated, result, h('td', {}, cancel));
    tbody.append(row);
    const show = async task => {
      row.dataset.status = task.status;
      status.textContent = task.status.replace('_', ' ');
      status.className = `badge${task.status === 'completed' ? ' ok' : task.status === 'failed' || task.status === 'cancelled' ? ' bad' : ''}`;
      note.textContent = task.statusMessage ?? '';
      updated.textContent = formatTime(task.lastUpdatedAt);
      cancel.disabled = ENDED.includes(task.status);
      if (task.status === 'completed' && !result.dataset.filled) {
        result.dataset.filled = 'yes';
        const full = task.result ? task : await rest.get(`/tasks/${id}`);
        fill(result, renderContent(full.result?.content), full.result?.structuredContent ? structured(full.result.structuredContent) : null);
      } else if (task.status === 'failed' && !result.dataset.filled) {
        result.dataset.filled = 'yes';
        const full = task.error ? task : await rest.get(`/tasks/${id}`);
        fill(result, alertBox(full.error?.message ?? 'The task failed.'));
      }
    };
    try {
      await show(await rest.get(`/tasks/${id}`));
    } catch (e) {
      if (!(e instanceof ServerError) || e.status !== 404) throw e;
      status.textContent = 'not found';
      note.textContent = 'expired, or started by another identity';
      gone.push(entry.id);
      continue;
    }
    if (!ENDED.includes(row.dataset.status)) {
      stops.push(graphql.subscribe(STATUS, { id: entry.id }, {
        next: payload => {
          if (payload.errors?.length) { fill(result, alertBox(payload.errors.map(e => e.message).join('; '))); return; }
          const task = payload.data?.taskStatus;
          if (task) show(task).catch(e => fill(result, alertBox(`Reading the task failed: ${e.message}`)));
        },
        error: e => fill(result, alertBox(`Following the task failed: ${e.message}`)),
      }));
    }
    cancel.addEventListener('click', async () => {
      cancel.disabled = true;
      try {
        await rest.del(`/tasks/${id}`);
        await show(await rest.get(`/tasks/${id}`));
      } catch (e) {
        result.append(alertBox(`Cancelling failed: ${e.message}`));
      }
    });
  }
  if (gone.length) {
    main.append(h('p', {}, h('button', { type: 'button', class: 'ghost', onclick: event => {
      sessionStorage.setItem(KEY, JSON.stringify(remembered().filter(t => !gone.includes(t.id))));
      for (const missing of gone) tbody.querySelector(`tr[data-task="${CSS.escape(missing)}"]`)?.remove();
      event.target.remove();
    } }, 'Forget the tasks not found')));
  }
  return () => stops.forEach(stop => stop());
}
