// i18n.js: every visible string comes from i18n/<lang>.json, the language chosen
// from the browser's settings (navigator.languages), English as the fallback.
// t('item.reshares', {n: 3}) fills {n}; a key whose value is an object
// {"one": ..., "other": ...} is chosen by Intl.PluralRules on vars.n.

export const LANGS = ['en', 'fr'];
let lang = 'en';
let cat = {};
let fallback = {};

// The first of the browser's languages that has a catalogue; null if none has.
export function pickLang(prefs) {
  for (const p of prefs || []) {
    const base = String(p).toLowerCase().split(/[-_]/)[0];
    if (LANGS.includes(base)) return base;
  }
  return null;
}

async function load(l) {
  const r = await fetch(`/i18n/${l}.json`, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`i18n/${l}.json: HTTP ${r.status}`);
  return r.json();
}

// hint: a promise of the node's own language (/api/session lang_hint), asked
// only when none of the browser's languages has a catalogue.
export async function initI18n(hint) {
  lang = pickLang(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
  if (!lang && hint) lang = pickLang([await hint.catch(() => null)]);
  lang = lang || 'en';
  fallback = await load('en');
  cat = lang === 'en' ? fallback : await load(lang).catch(() => fallback);
  document.documentElement.lang = lang;
  return lang;
}

export function getLang() { return lang; }

function lookup(c, key) {
  let v = c;
  for (const part of key.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[part];
  }
  return v;
}

export function has(key) {
  return lookup(cat, key) !== undefined || lookup(fallback, key) !== undefined;
}

export function t(key, vars = {}) {
  let v = lookup(cat, key);
  if (v === undefined) v = lookup(fallback, key);
  if (v === undefined) return key;
  if (typeof v === 'object') {
    const rule = new Intl.PluralRules(lang).select(Number(vars.n) || 0);
    v = v[rule] ?? v.other ?? '';
  }
  return String(v).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// Fills the static page's [data-i18n] elements (index.html).
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
