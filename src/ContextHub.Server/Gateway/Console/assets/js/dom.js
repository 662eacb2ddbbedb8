// Small DOM builders: every node is created with textContent/attributes, never from HTML strings.

/** h('div', {class: 'x', onclick: f}, child, 'text', [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let counter = 0;
/** A unique id for label/aria wiring. */
export const uid = (prefix = 'id') => `${prefix}-${++counter}`;

export function heading(title, sub) {
  return [h('h1', { tabindex: '-1' }, title), sub ? h('p', { class: 'muted' }, sub) : null];
}

export function alertBox(message) {
  return h('div', { class: 'alert', role: 'alert' }, message);
}

/** A <pre> and a button that copies it. */
export function copyBlock(label, text) {
  const id = uid('copy');
  const status = h('span', { class: 'visually-hidden', role: 'status' });
  const button = h('button', { type: 'button', class: 'ghost', 'aria-describedby': id, onclick: async () => {
    try { await navigator.clipboard.writeText(text); status.textContent = 'Copied.'; button.textContent = 'Copied'; }
    catch { status.textContent = 'Copy failed: select the text and copy it.'; }
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  } }, 'Copy');
  return h('div', { class: 'field' }, h('span', { id, class: 'hint' }, label), h('div', { class: 'copy-row' }, h('pre', {}, text), button), status);
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

export function formatTime(value) {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString();
}

/** A list of buttons, one per item, that remembers which one is pressed. */
export function pickList(label, items, render, onPick) {
  const list = h('ul', { class: 'list', 'aria-label': label });
  const buttons = [];
  for (const item of items) {
    const button = h('button', { type: 'button', class: 'item', 'aria-pressed': 'false', onclick: () => {
      for (const b of buttons) b.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-pressed', 'true');
      onPick(item);
    } }, render(item));
    buttons.push(button);
    list.append(h('li', {}, button));
  }
  if (items.length === 0) list.append(h('li', { class: 'muted' }, 'Nothing here.'));
  return list;
}

/** Replaces an element's children (arrays flattened; null, undefined and false left out). */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
