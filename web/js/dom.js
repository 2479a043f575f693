// dom.js: building elements without innerHTML. Text is always a text node
// (textContent), so names and shares written by others can never become markup.

import { t } from './i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'style') throw new Error('no style attributes under the CSP: use a class');
    else node.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// h('a', {href: '#/feed', class: 'x'}, 'text', child...)
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  apply(node, attrs);
  return append(node, children);
}

// The same for SVG (createElementNS); used by the cascade and graph pictures.
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, attrs);
  return append(node, children);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function replace(node, ...children) {
  return append(clear(node), children);
}

// A button that runs an async action once at a time: disabled while it runs,
// errors go to the page's error region.
export function actionButton(label, action, attrs = {}) {
  const b = h('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', async () => {
    if (b.disabled) return;
    b.disabled = true;
    b.setAttribute('aria-busy', 'true');
    try {
      await action(b);
      clearError(); // what failed before is no longer the news
    } catch (e) {
      showError(e);
    } finally {
      b.disabled = false;
      b.removeAttribute('aria-busy');
    }
  });
  return b;
}

// One sentence in the assertive live region (role=alert): what went wrong. It
// stays until dismissed or the next page (no timeout: people read at their pace).
export function showError(e) {
  const box = document.getElementById('errors');
  const msg = (e && e.sentence) || (e && e.message) || String(e);
  const close = h('button', { type: 'button', class: 'dismiss', 'aria-label': t('common.dismiss') }, '×');
  close.addEventListener('click', clearError);
  replace(box, h('div', { class: 'error' }, h('p', { dir: 'auto' }, msg), close));
  box.classList.add('shown');
  if (e && !e.sentence) console.error(e);
}

export function clearError() {
  const box = document.getElementById('errors');
  clear(box);
  box.classList.remove('shown');
}

// A polite announcement for screen readers (new feed items, done actions).
export function announce(text) {
  const live = document.getElementById('live');
  live.textContent = '';
  // a change of text is what a screen reader reads; set it on the next frame
  requestAnimationFrame(() => { live.textContent = text; });
}
