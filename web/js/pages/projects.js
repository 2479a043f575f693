// Projects: every project this node knows (search by name), joining from the
// list, and a form to create one with a description and tags.
import { h, replace, showError, announce } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf, number } from '../fmt.js';
import { tags, roleActions } from './project.js';

function createForm(ctx) {
  const f = (id, label, input, hint) => [h('label', { for: id }, label), input, hint ? h('p', { class: 'hint' }, hint) : null];
  const name = h('input', { id: 'proj-name', required: true, maxlength: 200, dir: 'auto' });
  const desc = h('textarea', { id: 'proj-desc', rows: 3, maxlength: 4000, dir: 'auto' });
  const tg = h('input', { id: 'proj-tags', dir: 'auto', autocomplete: 'off' });
  const url = h('input', { id: 'proj-url', type: 'url', inputmode: 'url', placeholder: 'https://…', dir: 'ltr' });
  const send = h('button', { type: 'submit', class: 'primary' }, t('projects.create'));
  const form = h('form', { class: 'form' },
    f('proj-name', t('projects.name'), name),
    f('proj-desc', t('projects.description'), desc),
    f('proj-tags', t('projects.tags'), tg, t('projects.tags_hint')),
    f('proj-url', t('projects.url'), url),
    h('div', { class: 'row' }, send));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!name.value.trim()) { showError({ sentence: t('projects.name_needed') }); name.focus(); return; }
    send.disabled = true;
    try {
      const body = { type: 'project', name: name.value.trim() };
      if (desc.value.trim()) body.description = desc.value.trim();
      const list = tg.value.split(/[,،、，]/).map((x) => x.trim().replace(/^#/, '')).filter(Boolean);
      if (list.length) body.tags = list;
      if (url.value.trim()) body.url = url.value.trim();
      const r = await api.publish(body);
      announce(t('projects.created', { name: body.name }));
      ctx.go(`#/project/${r.id}`);
    } catch (err) {
      showError(err);
    } finally {
      send.disabled = false;
    }
  });
  return h('details', { class: 'card create', id: 'project-create' },
    h('summary', null, h('h2', { class: 'inline' }, t('projects.new_title'))), form);
}

export async function render(main, route, ctx) {
  const q = h('input', { id: 'proj-q', type: 'search', autocomplete: 'off', dir: 'auto', value: route.query.get('q') || '' });
  const results = h('div', { id: 'project-results', 'aria-live': 'polite' });
  let seq = 0;
  async function search() {
    const mine = ++seq;
    const r = await api.projects(q.value.trim());
    if (mine !== seq) return;
    replace(results, r.projects.length
      ? h('ul', { class: 'projects' }, r.projects.map((p) => h('li', { class: 'card' },
        h('h2', { class: 'h3' }, h('a', { href: `#/project/${p.id}`, dir: 'auto' }, nameOf(p.name, p.id))),
        h('p', { class: 'by' }, t('project.by'), ' ', h('span', { dir: 'auto' }, nameOf(p.author_name, p.author)), ' · ',
          t('project.members', { n: number(p.members) }), ', ', t('project.supporters', { n: number(p.supporters) })),
        p.description ? h('p', { class: 'desc', dir: 'auto' }, p.description) : null,
        tags(p),
        roleActions(p, search))))
      : h('p', { class: 'empty' }, t('projects.none')));
  }
  const form = h('form', { class: 'card search', role: 'search' },
    h('label', { for: 'proj-q' }, t('projects.search')),
    h('div', { class: 'row' }, q, h('button', { type: 'submit' }, t('people.search_button'))));
  let timer = null;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => search().catch(showError), 250); });
  form.addEventListener('submit', (e) => { e.preventDefault(); search().catch(showError); });
  const create = createForm(ctx);
  replace(main, h('h1', { tabindex: '-1' }, t('projects.title')), create, form, results);
  await search();
  // nothing to join yet: the form to create one is what there is to do
  if (!results.querySelector('li') || route.query.get('new')) create.open = true;
  return () => clearTimeout(timer);
}
