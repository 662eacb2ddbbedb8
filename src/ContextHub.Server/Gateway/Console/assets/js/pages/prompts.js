import { h, fill, heading, alertBox, pickList, uid, debounce } from '../dom.js';
import { listAll, rest } from '../api.js';
import { renderContent } from '../content.js';

export async function render(main) {
  main.append(...heading('Prompts', 'Render a prompt with its arguments (suggestions appear as you type) and see the messages.'));
  const prompts = await listAll('/prompts', 'prompts');
  const detail = h('section', { class: 'panel', 'aria-label': 'Selected prompt' }, h('p', { class: 'muted' }, 'Choose a prompt.'));
  main.append(h('div', { class: 'split' }, h('section', { class: 'panel', 'aria-label': 'Prompt list' },
    pickList('Prompts', prompts, p => [h('span', { class: 'item-title' }, p.name), h('span', { class: 'item-sub' }, p.title ?? p.description ?? '')], p => select(detail, p))), detail));
}

function select(detail, prompt) {
  const inputs = {};
  const fields = (prompt.arguments ?? []).map(arg => {
    const id = uid('arg');
    const listId = uid('opts');
    const hintId = uid('hint');
    const list = h('datalist', { id: listId });
    const input = h('input', { id, name: arg.name, type: 'text', list: listId, autocomplete: 'off', required: !!arg.required, 'aria-describedby': arg.description ? hintId : null,
      oninput: debounce(async () => {
        try {
          const c = await rest.post('/completions', { ref: { type: 'ref/prompt', name: prompt.name }, argument: { name: arg.name, value: input.value },
            context: { arguments: Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value])) } });
          fill(list, ...(c.values ?? []).map(v => h('option', { value: v })));
        } catch { fill(list); }
      }, 200) });
    inputs[arg.name] = input;
    return h('div', { class: 'field' }, h('label', { for: id }, arg.title ?? arg.name, arg.required ? [h('span', { class: 'req', 'aria-hidden': 'true' }, ' *'), h('span', { class: 'visually-hidden' }, ' (required)')] : null),
      arg.description ? h('span', { class: 'hint', id: hintId }, arg.description) : null, input, list);
  });
  const output = h('div', { 'aria-live': 'polite' });
  fill(detail, h('h2', {}, prompt.title ? `${prompt.title} (${prompt.name})` : prompt.name), h('p', {}, prompt.description ?? ''),
    h('form', { novalidate: true, onsubmit: async e => {
      e.preventDefault();
      const missing = (prompt.arguments ?? []).filter(a => a.required && !inputs[a.name].value);
      if (missing.length) { fill(output, alertBox(`Fill in ${missing.map(a => a.name).join(', ')}.`)); inputs[missing[0].name].focus(); return; }
      const args = Object.fromEntries(Object.entries(inputs).filter(([, i]) => i.value !== '').map(([k, i]) => [k, i.value]));
      try {
        const r = await rest.post(`/prompts/${encodeURIComponent(prompt.name)}/render`, args);
        fill(output, h('h3', {}, 'Messages'), r.description ? h('p', { class: 'muted' }, r.description) : null,
          ...r.messages.map(m => h('div', { class: 'panel' }, h('span', { class: 'badge' }, m.role), renderContent([m.content].flat()))));
      } catch (err) {
        fill(output, alertBox(`Rendering failed: ${err.message}`));
      }
    } }, fields.length ? fields : h('p', { class: 'muted' }, 'This prompt takes no arguments.'), h('button', { type: 'submit' }, 'Render')), output);
}
