// Shows MCP content blocks: text, images, audio, embedded resources and links, and structured content.

import { h } from './dom.js';
import { highlight, json, languageOf } from './highlight.js';

export function renderContent(blocks = []) {
  return blocks.map(block => {
    switch (block.type) {
      case 'text': return h('pre', { class: 'content-text' }, block.text);
      case 'image': return h('img', { class: 'content', src: `data:${block.mimeType};base64,${block.data}`, alt: block.annotations?.title ?? 'Image returned by the tool' });
      case 'audio': return h('audio', { controls: true, src: `data:${block.mimeType};base64,${block.data}`, 'aria-label': 'Audio returned by the tool' });
      case 'resource_link': return h('p', {}, 'Resource link: ', h('a', { href: `#/resources?uri=${encodeURIComponent(block.uri)}` }, block.name ?? block.uri));
      case 'resource': return resourceContents(block.resource);
      default: return json(block);
    }
  });
}

/** One entry of a resource's contents: text highlighted by type, an image shown, other bytes offered for download. */
export function resourceContents(c) {
  if (c.text !== undefined && c.text !== null) {
    return h('div', {}, h('p', { class: 'muted' }, `${c.uri} · ${c.mimeType ?? 'text'}`), highlight(c.text, languageOf(c.mimeType, c.uri)));
  }
  const bytes = Uint8Array.from(atob(c.blob ?? ''), ch => ch.charCodeAt(0));
  if ((c.mimeType ?? '').startsWith('image/')) {
    return h('div', {}, h('p', { class: 'muted' }, `${c.uri} · ${c.mimeType} · ${bytes.length} bytes`),
      h('img', { class: 'content', src: `data:${c.mimeType};base64,${c.blob}`, alt: `Image ${c.uri}` }));
  }
  const url = URL.createObjectURL(new Blob([bytes], { type: c.mimeType ?? 'application/octet-stream' }));
  const name = c.uri.split('/').pop() || 'resource.bin';
  return h('div', {}, h('p', { class: 'muted' }, `${c.uri} · ${c.mimeType ?? 'binary'} · ${bytes.length} bytes`),
    h('a', { class: 'button', href: url, download: name }, `Download ${name}`));
}

export const structured = value => [h('h3', {}, 'Structured content'), json(value)];
