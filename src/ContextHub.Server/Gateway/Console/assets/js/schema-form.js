// A form generated from a JSON Schema (a tool's inputSchema): strings, numbers, integers, booleans, enums, arrays
// and objects, required marks, and validation messages shown before anything is sent.

import { h, uid } from './dom.js';

const typeOf = schema => {
  const t = Array.isArray(schema?.type) ? schema.type.find(x => x !== 'null') : schema?.type;
  if (t) return t;
  if (schema?.enum) return 'string';
  if (schema?.properties) return 'object';
  return 'json';
};

// A default of null (C# optional parameters) means "not set": the field starts empty.
const hasDefault = schema => schema?.default !== undefined && schema?.default !== null;

/** Builds the form fields; read() returns { value, errors: [{ input, message }] } and shows the messages. */
export function schemaForm(schema) {
  const root = objectField(schema ?? { type: 'object' }, '', true, true);
  return { element: root.element, read: () => { const errors = []; const value = root.read(errors); return { value: value ?? {}, errors }; } };
}

function labelFor(name, schema, required, id) {
  return h('label', { for: id }, schema?.title ?? name, required ? [h('span', { class: 'req', 'aria-hidden': 'true' }, ' *'), h('span', { class: 'visually-hidden' }, ' (required)')] : null);
}

function wrap(name, schema, required, input, id, { inline = false } = {}) {
  const hintId = uid('hint');
  const errorId = uid('err');
  const error = h('span', { class: 'error', id: errorId });
  const described = [schema?.description ? hintId : null, errorId].filter(Boolean).join(' ');
  input.setAttribute('aria-describedby', described);
  const hint = schema?.description ? h('span', { class: 'hint', id: hintId }, schema.description, hasDefault(schema) ? ` (default: ${JSON.stringify(schema.default)})` : '') : null;
  const element = inline
    ? h('div', { class: 'field' }, h('div', { class: 'field inline' }, input, labelFor(name, schema, required, id)), hint, error)
    : h('div', { class: 'field' }, labelFor(name, schema, required, id), hint, input, error);
  const report = (errors, message) => {
    error.textContent = message ?? '';
    if (message) { input.setAttribute('aria-invalid', 'true'); errors.push({ input, message: `${schema?.title ?? name}: ${message}` }); }
    else input.removeAttribute('aria-invalid');
  };
  return { element, report };
}

function field(name, schema, required) {
  switch (typeOf(schema)) {
    case 'string': return schema.enum ? enumField(name, schema, required) : stringField(name, schema, required);
    case 'integer':
    case 'number': return numberField(name, schema, required);
    case 'boolean': return booleanField(name, schema, required);
    case 'array': return arrayField(name, schema, required);
    case 'object': return schema.properties ? objectField(schema, name, required, false) : jsonField(name, schema, required);
    default: return jsonField(name, schema, required);
  }
}

function stringField(name, schema, required) {
  const id = uid('f');
  const long = (schema.maxLength ?? 0) > 200 || /text|content|body|data/i.test(name);
  const input = long ? h('textarea', { id, name, rows: 4 }) : h('input', { id, name, type: 'text', autocomplete: 'off' });
  if (hasDefault(schema)) input.value = String(schema.default);
  if (required) input.required = true;
  const w = wrap(name, schema, required, input, id);
  return { element: w.element, read(errors) {
    const v = input.value;
    if (v === '') { w.report(errors, required ? 'is required.' : null); return undefined; }
    let message = null;
    if (schema.minLength !== undefined && v.length < schema.minLength) message = `needs at least ${schema.minLength} characters.`;
    else if (schema.maxLength !== undefined && v.length > schema.maxLength) message = `takes at most ${schema.maxLength} characters.`;
    else if (schema.pattern && !new RegExp(schema.pattern, 'u').test(v)) message = `must match ${schema.pattern}.`;
    w.report(errors, message);
    return v;
  } };
}

function enumField(name, schema, required) {
  const id = uid('f');
  const select = h('select', { id, name }, required && hasDefault(schema) ? null : h('option', { value: '' }, required ? '— choose —' : '(not set)'),
    schema.enum.map(v => h('option', { value: JSON.stringify(v) }, String(v))));
  if (hasDefault(schema)) select.value = JSON.stringify(schema.default);
  const w = wrap(name, schema, required, select, id);
  return { element: w.element, read(errors) {
    if (select.value === '') { w.report(errors, required ? 'choose a value.' : null); return undefined; }
    w.report(errors, null);
    return JSON.parse(select.value);
  } };
}

function numberField(name, schema, required) {
  const id = uid('f');
  const integer = typeOf(schema) === 'integer';
  const input = h('input', { id, name, type: 'number', step: integer ? '1' : 'any', inputmode: integer ? 'numeric' : 'decimal' });
  if (schema.minimum !== undefined) input.min = schema.minimum;
  if (schema.maximum !== undefined) input.max = schema.maximum;
  if (hasDefault(schema)) input.value = String(schema.default);
  const w = wrap(name, schema, required, input, id);
  return { element: w.element, read(errors) {
    const raw = input.value.trim();
    if (raw === '') {
      // A number input holding text that is not a number reads as '' but reports badInput.
      w.report(errors, input.validity.badInput ? 'must be a number.' : required ? 'is required.' : null);
      return undefined;
    }
    const v = Number(raw);
    let message = null;
    if (!Number.isFinite(v)) message = 'must be a number.';
    else if (integer && !Number.isInteger(v)) message = 'must be a whole number.';
    else if (schema.minimum !== undefined && v < schema.minimum) message = `must be at least ${schema.minimum}.`;
    else if (schema.maximum !== undefined && v > schema.maximum) message = `must be at most ${schema.maximum}.`;
    w.report(errors, message);
    return v;
  } };
}

function booleanField(name, schema, required) {
  const id = uid('f');
  const input = h('input', { id, name, type: 'checkbox' });
  input.checked = schema.default === true;
  const w = wrap(name, schema, required, input, id, { inline: true });
  return { element: w.element, read(errors) {
    w.report(errors, null);
    return input.checked || required || hasDefault(schema) ? input.checked : undefined;
  } };
}

function arrayField(name, schema, required) {
  const items = schema.items ?? {};
  if (!['string', 'number', 'integer', 'boolean'].includes(typeOf(items)) || items.enum) return jsonField(name, schema, required);
  const legendId = uid('legend');
  const rows = [];
  const list = h('div', {});
  const error = h('span', { class: 'error', role: 'status' });
  const add = value => {
    const row = field(`${name} item ${rows.length + 1}`, { ...items, title: `${schema.title ?? name} item ${rows.length + 1}`, description: undefined }, false);
    const remove = h('button', { type: 'button', class: 'ghost', 'aria-label': `Remove ${schema.title ?? name} item`, onclick: () => {
      rows.splice(rows.indexOf(entry), 1);
      entry.element.remove();
    } }, 'Remove');
    const entry = { element: h('div', { class: 'row' }, h('div', { class: 'grow' }, row.element), remove), read: row.read };
    if (value !== undefined) { const input = entry.element.querySelector('input, select'); if (input) input.value = String(value); }
    rows.push(entry);
    list.append(entry.element);
  };
  for (const v of Array.isArray(schema.default) ? schema.default : []) add(v);
  const element = h('fieldset', { 'aria-describedby': legendId },
    h('legend', { id: legendId }, schema.title ?? name, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null, required ? h('span', { class: 'visually-hidden' }, ' (required)') : null),
    schema.description ? h('p', { class: 'hint muted' }, schema.description) : null,
    list, h('button', { type: 'button', class: 'ghost', onclick: () => add() }, `Add ${schema.title ?? name} item`), error);
  return { element, read(errors) {
    const values = rows.map(r => r.read(errors)).filter(v => v !== undefined);
    let message = null;
    if (values.length === 0 && required) message = 'add at least one item.';
    else if (schema.minItems !== undefined && values.length > 0 && values.length < schema.minItems) message = `needs at least ${schema.minItems} items.`;
    else if (schema.maxItems !== undefined && values.length > schema.maxItems) message = `takes at most ${schema.maxItems} items.`;
    error.textContent = message ?? '';
    if (message) errors.push({ input: element.querySelector('button'), message: `${schema.title ?? name}: ${message}` });
    return values.length === 0 && !required ? undefined : values;
  } };
}

function objectField(schema, name, required, top) {
  const properties = Object.entries(schema.properties ?? {});
  const requiredNames = new Set(schema.required ?? []);
  const fields = properties.map(([key, sub]) => [key, field(key, sub, requiredNames.has(key))]);
  const children = fields.map(([, f]) => f.element);
  const element = top
    ? h('div', {}, properties.length === 0 ? h('p', { class: 'muted' }, 'This takes no arguments.') : children)
    : h('fieldset', {}, h('legend', {}, schema.title ?? name, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null), schema.description ? h('p', { class: 'hint muted' }, schema.description) : null, children);
  return { element, read(errors) {
    const value = {};
    for (const [key, f] of fields) {
      const v = f.read(errors);
      if (v !== undefined) value[key] = v;
    }
    return !top && !required && Object.keys(value).length === 0 ? undefined : value;
  } };
}

function jsonField(name, schema, required) {
  const id = uid('f');
  const input = h('textarea', { id, name, rows: 3, spellcheck: 'false' });
  if (hasDefault(schema)) input.value = JSON.stringify(schema.default);
  const w = wrap(name, { ...schema, description: `${schema.description ? schema.description + ' ' : ''}(JSON)` }, required, input, id);
  return { element: w.element, read(errors) {
    if (input.value.trim() === '') { w.report(errors, required ? 'is required.' : null); return undefined; }
    try { const v = JSON.parse(input.value); w.report(errors, null); return v; }
    catch (e) { w.report(errors, `is not valid JSON (${e.message}).`); return undefined; }
  } };
}
