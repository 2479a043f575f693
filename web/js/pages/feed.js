// The feed: shares by the people one follows and one's own, newest first, a
// form to post one (optionally in a project), and new ones as they arrive
// (an `entry` event from /api/events makes the page fetch the first page again
// and insert what it lacks). performance marks sr:feed:rendered and
// sr:feed:painted time the first page (tools/bench/bench_feed.mjs reads them).
import { h, replace, showError, clearError, announce, actionButton } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf } from '../fmt.js';
import { renderItem, updateCount } from '../item.js';

// The project list arrives after the first page is drawn: fill(projects) adds
// them to the select, one's own first, keeping the choice made meanwhile.
function composeForm(ctx, onPosted, preset) {
  const text = h('textarea', { id: 'post-text', name: 'text', rows: 3, maxlength: 8000, dir: 'auto', 'aria-describedby': 'post-hint' });
  const link = h('input', { id: 'post-link', name: 'link', type: 'url', inputmode: 'url', placeholder: 'https://…', dir: 'ltr' });
  const sel = h('select', { id: 'post-project', name: 'project' }, h('option', { value: '' }, t('feed.no_project')));
  sel.addEventListener('change', () => { if (sel.value) form.querySelector('details.options').open = true; });
  const send = h('button', { type: 'submit', class: 'primary' }, t('feed.post'));
  const form = h('form', { class: 'card compose', 'aria-labelledby': 'post-title' },
    h('h2', { id: 'post-title' }, t('feed.compose_title')),
    h('label', { for: 'post-text' }, t('feed.text')), text,
    h('p', { class: 'hint', id: 'post-hint' }, t('feed.text_hint')),
    h('details', { class: 'options', open: Boolean(preset) },
      h('summary', null, t('feed.options')),
      h('div', { class: 'two' },
        h('div', null, h('label', { for: 'post-project' }, t('feed.project')), sel),
        h('div', null, h('label', { for: 'post-link' }, t('feed.link')), link))),
    h('div', { class: 'row' }, send));
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!text.value.trim() && !link.value.trim()) { showError({ sentence: t('feed.empty_post') }); text.focus(); return; }
    send.disabled = true;
    try {
      const body = { type: 'share' };
      if (text.value.trim()) body.text = text.value;
      if (link.value.trim()) body.link = link.value.trim();
      if (sel.value) body.project = sel.value;
      const r = await api.publish(body);
      clearError();
      text.value = '';
      link.value = '';
      sel.value = preset || '';
      announce(t('feed.posted'));
      if (r.warnings && r.warnings.length) showError({ sentence: r.warnings.join(' ') });
      await onPosted(r.id);
      text.focus();
    } catch (err) {
      showError(err);
    } finally {
      send.disabled = false;
    }
  });
  form.fill = (projects) => {
    const chosen = sel.value || preset || '';
    // one's own projects first, then by name in code point order (localeCompare
    // would build an ICU collator)
    const key = (p) => String(p.name || '');
    projects.sort((a, b) => (b.my_role ? 1 : 0) - (a.my_role ? 1 : 0) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    replace(sel, h('option', { value: '' }, t('feed.no_project')),
      projects.map((p) => h('option', { value: p.id }, nameOf(p.name, p.id))));
    sel.value = chosen;
  };
  return form;
}

export async function render(main, route, ctx) {
  const list = h('ol', { class: 'items', id: 'feed-list', 'aria-label': t('feed.title') });
  const more = h('div', { class: 'more' });
  const empty = h('div', { class: 'empty card', hidden: true },
    h('p', null, t('feed.empty')),
    h('p', null, h('a', { href: '#/join' }, t('feed.empty_join')), ' · ', h('a', { href: '#/people' }, t('feed.empty_people'))));
  const seen = new Map(); // id -> li
  let next = null;

  const add = (item, before) => {
    if (seen.has(item.id)) return null;
    const li = h('li', { 'data-id': item.id, 'data-ts': item.ts }, renderItem(item, { onChange: () => refreshTop(false).catch(showError) }));
    seen.set(item.id, li);
    list.insertBefore(li, before || null);
    return li;
  };
  const drawMore = () => {
    replace(more, next ? actionButton(t('feed.more'), async () => {
      const page = await api.feed(next);
      page.items.forEach((it) => add(it));
      next = page.next;
      drawMore();
    }) : null);
    empty.hidden = seen.size > 0;
  };
  // New items are newer than what is shown, mostly: each goes before the first
  // shown item that is older, so the order stays newest first.
  async function refreshTop(announceNew = false) {
    const page = await api.feed(null, 30);
    const fresh = [];
    for (const it of page.items) {
      if (seen.has(it.id)) { updateCount(seen.get(it.id).firstChild, it.reshares || 0); continue; }
      let before = null;
      for (const li of list.children) {
        if (Number(li.dataset.ts) < it.ts) { before = li; break; }
      }
      const li = add(it, before);
      if (li) { li.classList.add('new'); fresh.push(it); }
    }
    if (!next && page.next && seen.size <= page.items.length) next = page.next;
    drawMore();
    if (announceNew && fresh.length) {
      announce(fresh.length === 1
        ? t('feed.new_one', { name: nameOf(fresh[0].author_name, fresh[0].author) })
        : t('feed.new_many', { n: fresh.length }));
    }
  }

  // both at once: the first page must not wait for the project list
  // On the document's first page, GET /api/feed is the request index.html
  // preloaded; later, ?limit= makes it another URL, so that a stale preloaded
  // answer is never taken for a fresh one.
  const page = await (ctx.booting ? api.feed() : api.feed(null, 30));
  performance.mark('sr:feed:data');
  const compose = composeForm(ctx, () => refreshTop(false), route.query.get('project'));
  replace(main,
    h('h1', { tabindex: '-1' }, t('feed.title')),
    compose,
    h('section', { class: 'feed', 'aria-labelledby': 'feed-h' },
      h('h2', { id: 'feed-h', class: 'sr-only' }, t('feed.list_title')), empty, list, more));
  page.items.forEach((it) => add(it));
  next = page.next;
  drawMore();
  performance.mark('sr:feed:rendered');
  requestAnimationFrame(() => setTimeout(() => performance.mark('sr:feed:painted'), 0));
  api.projects().then((r) => compose.fill(r.projects)).catch(() => {});

  let timer = null;
  const onEntry = (ev) => {
    if (ev.detail && ev.detail.type && ev.detail.type !== 'share') return;
    clearTimeout(timer);
    timer = setTimeout(() => refreshTop(true).catch(showError), 150);
  };
  // after a reconnect the stream may have skipped entries: fetch the top again
  const onOpen = () => refreshTop(true).catch(showError);
  ctx.events.addEventListener('entry', onEntry);
  ctx.events.addEventListener('open', onOpen);
  return () => { clearTimeout(timer); ctx.events.removeEventListener('entry', onEntry); ctx.events.removeEventListener('open', onOpen); };
}
