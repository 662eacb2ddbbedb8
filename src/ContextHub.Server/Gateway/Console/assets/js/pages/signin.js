import { h, fill, heading, alertBox, uid } from '../dom.js';
import { request } from '../api.js';

export async function render(main, { state, refreshSession, go }) {
  const id = uid('key');
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  const input = h('input', { id, name: 'key', type: 'password', autocomplete: 'off', required: true, class: 'grow', 'aria-describedby': `${id}-hint` });
  const form = h('form', { method: 'post', action: '/console/session', class: 'panel', onsubmit: async event => {
    event.preventDefault();
    fill(status);
    if (!input.value.trim()) { status.append(alertBox('Paste an API key first.')); input.focus(); return; }
    try {
      await request('POST', '/console/session', { json: { key: input.value.trim() } });
      input.value = '';
      await refreshSession();
      if (state.refused) { status.append(alertBox('The server refused this key. Check it and try again.')); return; }
      go('overview');
    } catch (e) {
      status.append(alertBox(`Sign-in failed: ${e.message}`));
    }
  } },
    h('div', { class: 'field' }, h('label', { for: id }, 'API key'),
      h('span', { class: 'hint', id: `${id}-hint` }, 'Kept in an encrypted, HTTP-only cookie for this browser; the console never stores it in a script-readable place.'),
      h('div', { class: 'row' }, input, h('button', { type: 'submit' }, 'Sign in'))),
    status);
  const provider = state.session.provider;
  main.append(...heading('Sign in', provider
    ? `Sign in with ${provider.name}, or paste an API key. Every request the console makes then goes through the same doors as any client.`
    : 'Paste an API key. Every request the console makes then carries it, through the same doors as any client.'));
  const failed = new URLSearchParams(location.hash.split('?')[1] ?? '').get('error');
  if (failed) main.append(alertBox(failed));
  if (state.session.signedIn) {
    main.append(h('p', { class: 'success', role: 'status' }, state.session.kind === 'oidc'
      ? `Signed in as ${state.session.name} through ${provider?.name ?? 'the identity provider'}.`
      : `Signed in with API key ${state.session.credentialHint}. Sign in again to use another key.`));
  }
  if (provider) {
    main.append(h('div', { class: 'panel' }, h('a', { class: 'button', id: 'oidc-signin', href: provider.signInUrl }, `Sign in with ${provider.name}`)));
  }
  else if (!state.refused) main.append(h('p', { class: 'note' }, 'This server has no authentication configured: the console works without signing in, as anonymous (loopback).'));
  main.append(form);
}
