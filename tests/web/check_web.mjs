// check_web.mjs WEB_DIR: static checks of the web app (ctest web_checks).
//  - i18n/en.json and every other catalogue hold the same keys, each with the
//    same {placeholders}; a plural is an object with at least "other";
//  - every key the app names (t('...'), has('...'), data-i18n="...") exists in
//    en.json; a key built from a template (`nav.${p}`) must match at least one;
//  - nothing that the CSP would refuse or that could turn text into markup:
//    no innerHTML / outerHTML / insertAdjacentHTML / document.write / eval /
//    new Function / setAttribute('style') / style= in markup, no inline script,
//    no URL of another site in a src or href (no CDN, no web fonts).
import fs from 'node:fs';
import path from 'node:path';

const web = path.resolve(process.argv[2] || '.');
const problems = [];
const PLURAL = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

function flatten(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const isPlural = v && typeof v === 'object' && Object.keys(v).every((x) => PLURAL.has(x)) && 'other' in v;
    if (v && typeof v === 'object' && !isPlural) flatten(v, key, out);
    else out.set(key, isPlural ? Object.values(v).join(' ') : String(v));
  }
  return out;
}
const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().filter((x, i, a) => a.indexOf(x) === i).join(',');

const catDir = path.join(web, 'i18n');
const en = flatten(JSON.parse(fs.readFileSync(path.join(catDir, 'en.json'), 'utf8')), '', new Map());
const langs = fs.readdirSync(catDir).filter((f) => f.endsWith('.json') && f !== 'en.json');
if (!langs.length) problems.push('no catalogue besides en.json');
for (const f of langs) {
  const other = flatten(JSON.parse(fs.readFileSync(path.join(catDir, f), 'utf8')), '', new Map());
  for (const k of en.keys()) if (!other.has(k)) problems.push(`${f}: missing ${k}`);
  for (const k of other.keys()) if (!en.has(k)) problems.push(`${f}: ${k} is not in en.json`);
  for (const [k, v] of other) if (en.has(k) && holes(v) !== holes(en.get(k))) problems.push(`${f}: ${k} has {${holes(v)}}, en.json {${holes(en.get(k))}}`);
}

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}
const files = walk(web);
let used = 0;
for (const f of files) {
  const rel = path.relative(web, f);
  const text = fs.readFileSync(f, 'utf8');
  if (f.endsWith('.js')) {
    for (const m of text.matchAll(/\b(?:t|has)\(\s*(['`])([^'`]+)\1/g)) {
      used++;
      const key = m[2];
      if (key.includes('${')) {
        const rx = new RegExp(`^${key.split(/\$\{[^}]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^.]+')}$`);
        if (![...en.keys()].some((k) => rx.test(k))) problems.push(`${rel}: no key matches ${key}`);
      } else if (!en.has(key) && !/^[A-Z]/.test(key)) {
        problems.push(`${rel}: t('${key}') is not in en.json`);
      }
    }
    const banned = [
      [/\.(innerHTML|outerHTML)\b/, 'innerHTML/outerHTML'], [/insertAdjacentHTML/, 'insertAdjacentHTML'],
      [/document\.write/, 'document.write'], [/\beval\s*\(/, 'eval'], [/new\s+Function\b/, 'new Function'],
      [/setAttribute\(\s*['"]style['"]/, "setAttribute('style')"], [/\bsetTimeout\(\s*['"`]/, 'setTimeout with a string'],
    ];
    for (const [rx, what] of banned) if (rx.test(text)) problems.push(`${rel}: uses ${what}`);
  }
  if (f.endsWith('.html')) {
    for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) { used++; if (!en.has(m[1])) problems.push(`${rel}: data-i18n ${m[1]} is not in en.json`); }
    if (/\sstyle\s*=/.test(text)) problems.push(`${rel}: a style attribute (the CSP refuses it)`);
    if (/<style[\s>]/.test(text)) problems.push(`${rel}: an inline <style>`);
    for (const m of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      if (m[2].trim()) problems.push(`${rel}: an inline script`);
      if (!/\bsrc="\//.test(m[1])) problems.push(`${rel}: a script not from the node`);
    }
    if (/\son[a-z]+\s*=/.test(text)) problems.push(`${rel}: an inline event handler`);
  }
  if (/\.(html|css|js)$/.test(f)) {
    for (const m of text.matchAll(/(?:src|href)\s*=\s*["'](?:https?:)?\/\/[^"']+/g)) problems.push(`${rel}: loads ${m[0]}`);
    for (const m of text.matchAll(/url\(\s*["']?(?:https?:)?\/\//g)) problems.push(`${rel}: loads ${m[0]}`);
    for (const m of text.matchAll(/@import\b|@font-face\b/g)) problems.push(`${rel}: ${m[0]}`);
    for (const m of text.matchAll(/\bimport\s*\(?\s*['"](?:https?:)?\/\/[^'"]+/g)) problems.push(`${rel}: imports ${m[0]}`);
  }
}
if (used < 50) problems.push(`only ${used} catalogue keys found in the app: is the pattern still right?`);
for (const p of problems) console.log(`FAIL ${p}`);
console.log(`web_checks: ${en.size} keys, ${langs.length + 1} catalogues, ${used} uses in ${files.length} files, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
