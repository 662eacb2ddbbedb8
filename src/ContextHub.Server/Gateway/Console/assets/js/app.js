// The console's shell: hash routes, the signed-in identity, the theme toggle, sign-out.

import { h, fill, alertBox } from './dom.js';
import { request, rest, ServerError } from './api.js';
import * as overview from './pages/overview.js';
import * as tools from './pages/tools.js';
import * as tasks from './pages/tasks.js';
import * as resources from './pages/resources.js';
import * as prompts from './pages/prompts.js';
import * as knowledge from './pages/knowledge.js';
import * as activity from './pages/activity.js';
import * as keys from './pages/keys.js';
import * as signin from './pages/signin.js';

const pages = { overview, tools, tasks, resources, prompts, knowledge, activity, keys, signin };
const titles = { overview: 'Overview', tools: 'Tools', tasks: 'Tasks', resources: 'Resources', prompts: 'Prompts', knowledge: 'Knowledge', activity: 'Activity', keys: 'Keys', signin: 'Sign in' };

const main = document.getElementById('main');
const who = document.getElementById('who');
const signinLink = document.getElementById('signin-link');
const signoutButton = document.getElementById('signout');
const themeButton = document.getElementById('theme');

export const state = { session: { signedIn: false }, refused: false };
let cleanup = null;
let first = true;

async function refreshSession() {
  state.session = await request('GET', '/console/session');
  // Whether the doors accept this browser as it is: anonymous when the server has no authentication configured.
  try {
    await rest.get('/tools');
    state.refused = false;
  } catch (e) {
    if (!(e instanceof ServerError) || (e.status !== 401 && e.status !== 403)) throw e;
    state.refused = true;
  }
  const as = state.session.kind === 'oidc' ? `as ${state.session.name} (${state.session.provider?.name ?? 'identity provider'})`
    : `with API key ${state.session.credentialHint}`;
  who.textContent = state.session.signedIn
    ? `Signed in ${as}${state.refused ? ' (refused by the server)' : ''}`
    : state.refused ? 'Not signed in' : 'anonymous (loopback)';
  signinLink.hidden = state.session.signedIn;
  signoutButton.hidden = !state.session.signedIn;
}

async function route() {
  const hash = location.hash;
  if (hash && !hash.startsWith('#/')) return; // in-page anchors such as the skip link
  let name = hash.slice(2).split('?')[0] || 'overview';
  if (!pages[name]) name = 'overview';
  if (state.refused && name !== 'signin') name = 'signin';
  for (const a of document.querySelectorAll('nav.side a')) {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (cleanup) { try { cleanup(); } catch { /* a page's cleanup never blocks the next page */ } }
  cleanup = null;
  document.title = `${titles[name]} · ContextHub console`;
  fill(main);
  main.dataset.page = name;
  try {
    cleanup = await pages[name].render(main, { state, refreshSession, go: to => { location.hash = `#/${to}`; } }) ?? null;
  } catch (e) {
    main.append(alertBox(`This page could not load: ${e.message}`));
  }
  if (!first) main.querySelector('h1')?.focus();
  first = false;
  main.dataset.ready = name;
}

function applyTheme(theme) {
  if (theme === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.dataset.theme = theme;
  themeButton.textContent = `Theme: ${theme}`;
}

themeButton.addEventListener('click', () => {
  const order = ['auto', 'light', 'dark'];
  const next = order[(order.indexOf(localStorage.getItem('contexthub-theme') ?? 'auto') + 1) % order.length];
  localStorage.setItem('contexthub-theme', next);
  applyTheme(next);
});

signoutButton.addEventListener('click', async () => {
  try {
    const ended = await request('DELETE', '/console/session');
    // Signed in through the identity provider: end its session too (RP-initiated logout), which comes back to /.
    if (ended?.logoutUrl) { location.assign(ended.logoutUrl); return; }
  } catch (e) {
    main.prepend(alertBox(`Sign-out failed: ${e.message}`));
    return;
  }
  await refreshSession();
  location.hash = '#/signin';
  if (main.dataset.page === 'signin') await route();
});

applyTheme(localStorage.getItem('contexthub-theme') ?? 'auto');
window.addEventListener('hashchange', route);
try {
  await refreshSession();
} catch (e) {
  fill(main, h('h1', {}, 'ContextHub console'), alertBox(`The server did not answer: ${e.message}`));
}
await route();
