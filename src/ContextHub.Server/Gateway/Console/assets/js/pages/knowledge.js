import { h, fill, heading, alertBox, uid } from '../dom.js';
import { rest, writeHeaders, REST } from '../api.js';
import { highlight } from '../highlight.js';

export async function render(main) {
  main.append(...heading('Knowledge', 'Search the knowledge base, read its documents, add files and remove them.'));
  const results = h('div', { 'aria-live': 'polite' });
  const doc = h('section', { class: 'panel', 'aria-label': 'Document' }, h('p', { class: 'muted' }, 'Search, then choose a result to read the document.'));
  const ids = { q: uid('q'), mode: uid('mode'), tags: uid('tags'), source: uid('source'), limit: uid('limit') };
  const q = h('input', { id: ids.q, type: 'search', name: 'query', required: true, class: 'grow' });
  const mode = h('select', { id: ids.mode, name: 'mode' }, h('option', { value: 'hybrid' }, 'hybrid (words and meaning)'), h('option', { value: 'fulltext' }, 'full text (BM25)'), h('option', { value: 'vector' }, 'vector (meaning)'));
  const tags = h('input', { id: ids.tags, name: 'tags', type: 'text', placeholder: 'comma-separated' });
  const source = h('input', { id: ids.source, name: 'source', type: 'text' });
  const limit = h('input', { id: ids.limit, name: 'limit', type: 'number', min: 1, max: 50, value: 10 });
  const search = async () => {
    if (!q.value.trim()) { fill(results, alertBox('Type what to look for.')); q.focus(); return; }
    const params = new URLSearchParams({ query: q.value, mode: mode.value, limit: limit.value || '10' });
    for (const t of tags.value.split(',').map(s => s.trim()).filter(Boolean)) params.append('tag', t);
    if (source.value.trim()) params.set('source', source.value.trim());
    fill(results, h('p', { class: 'muted' }, 'Searching…'));
    try {
      const r = await rest.get(`/knowledge/search?${params}`);
      fill(results, h('p', { class: 'muted', role: 'status' }, `${r.results.length} result${r.results.length === 1 ? '' : 's'}`),
        h('ol', { class: 'list', 'aria-label': 'Search results' }, r.results.map(hit => h('li', {}, h('button', { type: 'button', class: 'item', onclick: () => open(doc, hit.id, search) },
          h('span', { class: 'item-title' }, hit.title || hit.source), h('span', { class: 'item-sub' }, `${hit.source} · score ${hit.score.toPrecision(3)}`),
          h('span', { class: 'item-sub' }, snippet(hit.snippet)))))));
    } catch (e) {
      fill(results, alertBox(`Search failed: ${e.message}`));
    }
  };
  const form = h('form', { class: 'panel', role: 'search', 'aria-label': 'Knowledge search', onsubmit: e => { e.preventDefault(); search(); } },
    h('div', { class: 'field' }, h('label', { for: ids.q }, 'Search for'), h('div', { class: 'row' }, q, h('button', { type: 'submit' }, 'Search'))),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: ids.mode }, 'Mode'), mode),
      h('div', { class: 'field' }, h('label', { for: ids.tags }, 'Tags'), tags),
      h('div', { class: 'field' }, h('label', { for: ids.source }, 'Source'), source),
      h('div', { class: 'field' }, h('label', { for: ids.limit }, 'Results'), limit)));
  main.append(form, h('div', { class: 'split' }, h('section', { class: 'panel', 'aria-label': 'Results' }, results), doc), upload(search));
}

/** The snippet with the matched words (between ** marks) highlighted. */
function snippet(text) {
  return text.split(/\*\*(.+?)\*\*/g).map((part, i) => (i % 2 ? h('mark', {}, part) : part));
}

async function open(panel, id, refresh) {
  fill(panel, h('p', { class: 'muted' }, 'Reading…'));
  let d;
  try {
    d = await rest.get(`/knowledge/documents/${encodeURIComponent(id)}`);
  } catch (e) {
    fill(panel, alertBox(`Reading the document failed: ${e.message}`));
    return;
  }
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  const reingest = async () => {
    const tags = (d.metadata.tags ?? '').split(',').map(t => t.trim()).filter(Boolean);
    try {
      const r = await rest.post('/knowledge/documents', { source: d.metadata.source ?? d.url, text: d.text, title: d.title, tags: tags.length ? tags : undefined });
      fill(status, h('p', { class: 'success' }, `Re-ingested: ${r.status}${r.chunks ? `, ${r.chunks} chunks` : ''}.`));
    } catch (e) {
      fill(status, alertBox(`Re-ingest failed: ${e.message}`));
    }
  };
  const dialog = h('dialog', { 'aria-labelledby': `${id}-confirm` },
    h('h2', { id: `${id}-confirm` }, 'Delete this document?'), h('p', {}, `“${d.title}” and its chunks leave every index. This cannot be undone.`),
    h('form', { method: 'dialog', class: 'row' }, h('button', { value: 'cancel', class: 'ghost' }, 'Keep it'), h('button', { value: 'delete', class: 'danger' }, 'Delete')));
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'delete') return;
    try {
      await rest.del(`/knowledge/documents/${encodeURIComponent(id)}`);
      fill(panel, h('p', { class: 'success', role: 'status' }, `Deleted “${d.title}”.`));
      refresh();
    } catch (e) {
      fill(status, alertBox(`Delete failed: ${e.message}`));
    }
  });
  fill(panel, h('h2', {}, d.title), h('dl', { class: 'meta' }, h('dt', {}, 'id'), h('dd', {}, d.id), h('dt', {}, 'resource'), h('dd', {}, h('a', { href: `#/resources?uri=${encodeURIComponent(d.url)}` }, d.url)),
    Object.entries(d.metadata ?? {}).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  h('div', { class: 'row' }, h('button', { type: 'button', class: 'ghost', onclick: reingest }, 'Re-ingest'), h('button', { type: 'button', class: 'danger', onclick: () => dialog.showModal() }, 'Delete…')),
  status, dialog, h('h3', {}, 'Full text'), highlight(d.text, 'plain'));
}

function upload(refresh) {
  const fileId = uid('files');
  const tagsId = uid('utags');
  const list = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
  const tags = h('input', { id: tagsId, type: 'text', placeholder: 'comma-separated' });
  const send = files => {
    for (const file of files) {
      const bar = h('progress', { max: 100, value: 0, 'aria-label': `Upload of ${file.name}` });
      const state = h('span', { role: 'status' }, 'waiting');
      list.append(h('li', {}, h('span', {}, file.name), bar, state));
      const data = new FormData();
      data.append('file', file, file.name);
      for (const t of tags.value.split(',').map(s => s.trim()).filter(Boolean)) data.append('tags', t);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${REST}/knowledge/documents`);
      for (const [k, v] of Object.entries(writeHeaders('POST'))) xhr.setRequestHeader(k, v);
      xhr.upload.addEventListener('progress', e => { if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); state.textContent = `${bar.value}%`; } });
      xhr.addEventListener('load', () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          state.textContent = `${body?.status ?? 'done'}${body?.chunks ? ` (${body.chunks} chunks)` : ''}`;
          refresh?.();
        } else {
          state.textContent = `failed: ${body?.detail ?? xhr.statusText}`;
          state.className = 'error';
        }
      });
      xhr.addEventListener('error', () => { state.textContent = 'failed: the connection broke'; state.className = 'error'; });
      xhr.send(data);
    }
  };
  const input = h('input', { id: fileId, type: 'file', multiple: true, onchange: e => { send([...e.target.files]); e.target.value = ''; } });
  const drop = h('div', { class: 'drop' }, h('p', {}, 'Drop files here (PDF, Markdown, HTML, JSON or text), or choose them:'),
    h('div', { class: 'field' }, h('label', { for: fileId }, 'Files to upload'), input));
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => { e.preventDefault(); drop.classList.remove('over'); send([...e.dataTransfer.files]); });
  return h('section', { class: 'panel', 'aria-labelledby': 'kb-upload' }, h('h2', { id: 'kb-upload' }, 'Add documents'),
    h('div', { class: 'field' }, h('label', { for: tagsId }, 'Tags for new documents'), tags), drop, list);
}
