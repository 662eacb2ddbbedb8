import { h, fill, heading, alertBox, uid, formatTime } from '../dom.js';
import { optional, rest, ServerError } from '../api.js';

// API key administration through REST /api/v1/keys (callers with the admin scope; others are told they may not).
export async function render(main) {
  main.append(...heading('Keys', 'API keys: create (the key is shown once), list and revoke.'));
  const body = h('div', {});
  main.append(body);
  const response = await optional('/api/v1/keys');
  if (!response) {
    body.append(h('p', { class: 'note', 'data-testid': 'keys-off' }, 'API keys are not configured on this server: it answers every caller as anonymous. Configure authentication to administer keys here.'));
    return;
  }
  if (response.status === 401 || response.status === 403) {
    body.append(h('p', { class: 'note' }, 'You may not administer API keys with the identity you signed in with.'));
    return;
  }
  if (!response.ok) {
    body.append(alertBox(`Listing keys failed: ${response.status} ${response.statusText}`));
    return;
  }
  const data = await response.json();
  const keys = Array.isArray(data) ? data : data.keys ?? data.items ?? [];
  const created = h('div', { 'aria-live': 'polite' });
  const nameId = uid('keyname');
  const name = h('input', { id: nameId, type: 'text', required: true });
  body.append(
    h('form', { class: 'panel', onsubmit: async e => {
      e.preventDefault();
      if (!name.value.trim()) { fill(created, alertBox('Give the key a name.')); name.focus(); return; }
      try {
        const k = await rest.post('/keys', { name: name.value.trim() });
        fill(created, h('div', { class: 'success' }, h('p', {}, 'Copy this key now: it is not shown again.'), h('pre', {}, k.key ?? k.secret ?? k.token ?? JSON.stringify(k))));
      } catch (err) {
        fill(created, alertBox(`Creating the key failed: ${err.message}`));
      }
    } }, h('div', { class: 'field' }, h('label', { for: nameId }, 'Name of a new key'), h('div', { class: 'row' }, name, h('button', { type: 'submit' }, 'Create key'))), created),
    h('div', { class: 'table-wrap panel' }, h('table', {}, h('caption', {}, 'API keys'),
      h('thead', {}, h('tr', {}, ['Name', 'Id', 'Scopes', 'Created', 'Expires', ''].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, keys.map(k => {
        const status = h('span', { role: 'status' });
        return h('tr', {}, h('td', {}, k.name ?? ''), h('td', {}, h('code', {}, k.id ?? '')), h('td', {}, (k.scopes ?? []).join(' ')), h('td', {}, k.createdAt ? formatTime(k.createdAt) : ''),
          h('td', {}, k.expiresAt ? formatTime(k.expiresAt) : 'never'), h('td', {}, h('button', { type: 'button', class: 'danger', onclick: async () => {
            if (!confirm(`Revoke ${k.name ?? k.id}? Requests with it are refused from now on.`)) return;
            try { await rest.del(`/keys/${encodeURIComponent(k.name)}`); status.textContent = 'revoked'; }
            catch (err) { status.textContent = err instanceof ServerError ? err.message : 'failed'; }
          } }, 'Revoke'), status));
      })))));
}
