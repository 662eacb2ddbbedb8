import { h, fill, heading, alertBox, pickList, uid, debounce, formatTime } from '../dom.js';
import { listAll, rest } from '../api.js';
import { graphql } from '../graphql.js';
import { resourceContents } from '../content.js';

const UPDATED = 'subscription Updated($uri: String!) { resourceUpdated(uri: $uri) { kind uri } }';

export async function render(main) {
  main.append(...heading('Resources', 'Read what the server can serve, fill in templates, and watch a resource for updates.'));
  const [resources, templates] = await Promise.all([listAll('/resources', 'resources'), listAll('/resources/templates', 'resourceTemplates')]);
  const detail = h('section', { class: 'panel', 'aria-label': 'Selected resource' }, h('p', { class: 'muted' }, 'Choose a resource or a template.'));
  let stop = null;
  const open = uri => { stop?.(); stop = null; read(detail, uri, s => { stop = s; }); };
  main.append(h('div', { class: 'split' }, h('div', {},
    h('section', { class: 'panel', 'aria-labelledby': 'res-list' }, h('h2', { id: 'res-list' }, `Resources (${resources.length})`),
      pickList('Resources', resources, r => [h('span', { class: 'item-title' }, r.title ?? r.name), h('span', { class: 'item-sub' }, r.uri)], r => open(r.uri))),
    h('section', { class: 'panel', 'aria-labelledby': 'tpl-list' }, h('h2', { id: 'tpl-list' }, `Templates (${templates.length})`),
      pickList('Resource templates', templates, t => [h('span', { class: 'item-title' }, t.title ?? t.name), h('span', { class: 'item-sub' }, t.uriTemplate)], t => {
        stop?.(); stop = null; template(detail, t, open);
      }))), detail));
  const wanted = new URLSearchParams(location.hash.split('?')[1] ?? '').get('uri');
  if (wanted) open(wanted);
  return () => stop?.();
}

async function read(detail, uri, setStop) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Reading…'));
  const updates = h('ul', { class: 'feed', 'aria-label': 'Updates' });
  const status = h('p', { class: 'muted', role: 'status' });
  let stop = null;
  const subscribe = h('button', { type: 'button', class: 'ghost', 'aria-pressed': 'false' }, 'Subscribe to updates');
  subscribe.addEventListener('click', () => {
    if (stop) { stop(); stop = null; setStop(null); subscribe.textContent = 'Subscribe to updates'; subscribe.setAttribute('aria-pressed', 'false'); status.textContent = 'Not watching.'; return; }
    stop = graphql.subscribe(UPDATED, { uri }, {
      next: () => { updates.prepend(h('li', {}, `${formatTime(Date.now())}: updated`)); load(); },
      error: e => { status.textContent = `Subscription failed: ${e.message}`; },
    }, { live: true });
    setStop(stop);
    subscribe.textContent = 'Stop watching';
    subscribe.setAttribute('aria-pressed', 'true');
    status.textContent = `Watching ${uri} for updates.`;
  });
  const load = async () => {
    try {
      const result = await rest.get(`/resources/read?uri=${encodeURIComponent(uri)}`);
      fill(body, ...result.contents.map(resourceContents));
    } catch (e) {
      fill(body, alertBox(`Reading ${uri} failed: ${e.message}`));
    }
  };
  fill(detail, h('h2', {}, uri), h('div', { class: 'row' }, subscribe, h('button', { type: 'button', class: 'ghost', onclick: load }, 'Read again')), status, updates, body);
  await load();
}

function template(detail, t, open) {
  const names = [...t.uriTemplate.matchAll(/\{[+#./;?&]?([^}]+)\}/g)].flatMap(m => m[1].split(',').map(n => n.replace(/\*$/, '')));
  const inputs = {};
  const fields = names.map(name => {
    const id = uid('var');
    const listId = uid('opts');
    const list = h('datalist', { id: listId });
    const input = h('input', { id, name, type: 'text', list: listId, autocomplete: 'off', required: true, oninput: debounce(async () => {
      try {
        const c = await rest.post('/completions', { ref: { type: 'ref/resource', uri: t.uriTemplate }, argument: { name, value: input.value },
          context: { arguments: Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value])) } });
        fill(list, ...(c.values ?? []).map(v => h('option', { value: v })));
      } catch { fill(list); }
    }, 200) });
    inputs[name] = input;
    return h('div', { class: 'field' }, h('label', { for: id }, name, h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')), input, list);
  });
  const error = h('div', { role: 'alert' });
  fill(detail, h('h2', {}, t.title ?? t.name), h('p', {}, t.description ?? ''), h('p', {}, h('code', {}, t.uriTemplate)),
    h('form', { onsubmit: e => {
      e.preventDefault();
      const missing = names.filter(n => !inputs[n].value);
      if (missing.length) { fill(error, alertBox(`Fill in ${missing.join(', ')}.`)); inputs[missing[0]].focus(); return; }
      const uri = t.uriTemplate.replace(/\{([+#./;?&]?)([^}]+)\}/g, (_, op, vars) => vars.split(',').map(v => {
        const value = inputs[v.replace(/\*$/, '')].value;
        return op === '+' || op === '#' ? encodeURI(value) : encodeURIComponent(value);
      }).join(','));
      open(uri);
    } }, fields, error, h('button', { type: 'submit' }, 'Read')));
}
