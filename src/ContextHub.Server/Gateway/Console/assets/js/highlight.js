// Simple syntax highlighting into spans (no HTML strings): JSON, Markdown headings and code, and a generic mode for
// source text (strings, numbers, comments).

const RULES = {
  json: /("(?:\\.|[^"\\])*")(\s*:)?|(-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|\b(true|false|null)\b/g,
  code: /("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`[^`]*`)|(\/\/[^\n]*|#[^\n]*)|(\b\d+(?:\.\d+)?\b)|\b(true|false|null|None|True|False|function|return|const|let|var|def|class|if|else|for|while|import|from|export)\b/g,
  markdown: /^(#{1,6} .*)$|(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|^(```.*)$/gm,
};

export function languageOf(mimeType = '', uri = '') {
  const t = mimeType.toLowerCase();
  if (t.includes('json') || /\.json$/i.test(uri)) return 'json';
  if (t.includes('markdown') || /\.md$/i.test(uri)) return 'markdown';
  if (t.startsWith('text/plain') && !/\.(js|ts|py|cs|sh|ya?ml|toml)$/i.test(uri)) return 'plain';
  return 'code';
}

export function highlight(text, language) {
  const pre = document.createElement('pre');
  const rule = RULES[language];
  if (!rule || text.length > 200_000) { pre.textContent = text; return pre; }
  const code = document.createElement('code');
  let last = 0;
  rule.lastIndex = 0;
  for (const m of text.matchAll(rule)) {
    if (m.index > last) code.append(text.slice(last, m.index));
    code.append(token(language, m));
    last = m.index + m[0].length;
  }
  code.append(text.slice(last));
  pre.append(code);
  return pre;
}

function span(cls, text) {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

function token(language, m) {
  if (language === 'json') {
    if (m[1] !== undefined) {
      if (m[2] !== undefined) { const f = document.createDocumentFragment(); f.append(span('tok-key', m[1]), m[2]); return f; }
      return span('tok-str', m[1]);
    }
    return m[3] !== undefined ? span('tok-num', m[3]) : span('tok-lit', m[4]);
  }
  if (language === 'markdown') {
    if (m[1] !== undefined || m[4] !== undefined) return span('tok-head', m[0]);
    return m[2] !== undefined ? span('tok-str', m[0]) : span('tok-num', m[0]);
  }
  if (m[1] !== undefined) return span('tok-str', m[1]);
  if (m[2] !== undefined) return span('tok-com', m[2]);
  if (m[3] !== undefined) return span('tok-num', m[3]);
  return span('tok-lit', m[4]);
}

export const json = value => highlight(JSON.stringify(value, null, 2), 'json');
