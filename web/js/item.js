// item.js: one share as people read it (feed, profile, project): who, when, in
// which project, the text as written (dir=auto for right-to-left scripts), the
// share it reshares inline, and what one can do with it.
import { h, replace, showError, clearError, announce } from './dom.js';
import { api } from './api.js';
import { t } from './i18n.js';
import { nameOf, localTime, isoTime } from './fmt.js';

// The items drawn lately, by id: the flow page shows the share's text from here.
export const seenItems = new Map();

const safeLink = (u) => /^https?:\/\//i.test(String(u || ''));

function who(item) {
  const name = nameOf(item.author_name, item.author);
  const a = h('a', { class: 'who', href: `#/person/${item.author}`, dir: 'auto' }, name);
  // written on one of the person's devices: still the person, and which device
  const dev = item.device ? [' ', h('span', { class: 'device', dir: 'auto', title: item.device },
    item.device_name ? t('item.on_device', { device: item.device_name }) : t('item.on_device_unnamed'))] : null;
  return item.mine ? [a, ' ', h('span', { class: 'you' }, t('item.you')), dev] : [a, dev];
}

function when(item) {
  return h('time', { datetime: isoTime(item.ts), title: isoTime(item.ts) }, localTime(item.ts));
}

function body(item) {
  const out = [];
  if (item.text) out.push(h('p', { class: 'text', dir: 'auto' }, item.text));
  if (item.link) {
    out.push(h('p', { class: 'link' }, safeLink(item.link)
      ? h('a', { href: item.link, rel: 'noopener noreferrer nofollow', target: '_blank', dir: 'auto' }, item.link)
      : h('span', { dir: 'auto' }, item.link)));
  }
  return out;
}

function header(item) {
  const parts = [who(item), ' '];
  if (item.project && item.project.id) {
    parts.push(t('item.in_project'), ' ',
      h('a', { class: 'project', href: `#/project/${item.project.id}`, dir: 'auto' },
        nameOf(item.project.name, item.project.id)), ' ');
  }
  parts.push(h('span', { class: 'sep', 'aria-hidden': 'true' }, '· '), when(item));
  return h('header', { class: 'item-head' }, parts);
}

function reshared(r) {
  if (!r) return null;
  if (r.missing) return h('blockquote', { class: 'reshared missing' }, t(r.blocked ? 'item.blocked' : 'item.missing'));
  return h('blockquote', { class: 'reshared', 'aria-label': t('item.reshared_from', { name: nameOf(r.author_name, r.author) }) },
    header(r), body(r));
}

function reshareForm(item, slot, onDone, toggle) {
  const id = `rs-${item.id.slice(0, 16)}`;
  const ta = h('textarea', { id, rows: 2, maxlength: 4000, dir: 'auto' });
  const send = h('button', { type: 'submit', class: 'primary' }, t('item.reshare_send'));
  const cancel = h('button', { type: 'button' }, t('common.cancel'));
  const form = h('form', { class: 'reshare-form' },
    h('label', { for: id }, t('item.reshare_comment')), ta, h('div', { class: 'row' }, send, cancel));
  const close = () => { replace(slot); toggle.setAttribute('aria-expanded', 'false'); toggle.focus(); };
  cancel.addEventListener('click', close);
  form.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    send.disabled = true;
    try {
      const body = { type: 'share', reshare: item.id };
      if (ta.value.trim()) body.text = ta.value;
      await api.publish(body);
      clearError();
      announce(t('item.reshared_done'));
      close();
      if (onDone) onDone();
    } catch (err) {
      showError(err);
    } finally {
      send.disabled = false;
    }
  });
  return { form, ta };
}

// opts.onChange: called after this page changed the store (a reshare), to refresh.
export function renderItem(item, opts = {}) {
  seenItems.set(item.id, item);
  if (item.reshare && !item.reshare.missing) seenItems.set(item.reshare.id, item.reshare);
  if (seenItems.size > 2000) seenItems.delete(seenItems.keys().next().value);
  const slot = h('div', { class: 'slot' });
  const toggle = h('button', { type: 'button', class: 'link-button', 'aria-expanded': 'false' }, t('item.reshare'));
  toggle.addEventListener('click', () => {
    if (slot.firstChild) { replace(slot); toggle.setAttribute('aria-expanded', 'false'); return; }
    const { form, ta } = reshareForm(item, slot, opts.onChange, toggle);
    replace(slot, form);
    toggle.setAttribute('aria-expanded', 'true');
    ta.focus();
  });
  const actions = h('div', { class: 'actions' }, toggle,
    h('a', { href: `#/flow/${item.id}` }, t('item.how')),
    h('span', { class: 'count', 'data-n': item.reshares || 0 }, item.reshares ? t('item.reshares', { n: item.reshares }) : ''));
  return h('article', { class: 'item', 'data-id': item.id, 'aria-label': t('item.label', { name: nameOf(item.author_name, item.author) }) },
    header(item), body(item), reshared(item.reshare), actions, slot);
}

// A share's reshare count changed (a reshare arrived): the feed updates it in place.
export function updateCount(article, n) {
  const c = article.querySelector(':scope > .actions > .count');
  if (!c || Number(c.dataset.n) === n) return;
  c.dataset.n = n;
  c.textContent = n ? t('item.reshares', { n }) : '';
}

export function renderList(items, opts = {}) {
  if (!items || !items.length) return h('p', { class: 'empty' }, opts.empty || t('feed.empty_list'));
  return h('ol', { class: 'items', 'aria-label': opts.label || t('feed.title') },
    items.map((it) => h('li', { 'data-id': it.id }, renderItem(it, opts))));
}
