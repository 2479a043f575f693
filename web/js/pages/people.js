// People: find someone by name (GET /api/people?q=), see how one is related to
// them, and follow, unfollow or block from the list.
import { h, replace, showError } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf } from '../fmt.js';
import { badges, personActions } from './person.js';

export async function render(main, route) {
  const q = h('input', { id: 'people-q', type: 'search', name: 'q', autocomplete: 'off', dir: 'auto', value: route.query.get('q') || '' });
  const results = h('div', { id: 'people-results', 'aria-live': 'polite' });
  const form = h('form', { class: 'card search', role: 'search', 'aria-labelledby': 'people-h' },
    h('label', { for: 'people-q' }, t('people.search')),
    h('div', { class: 'row' }, q, h('button', { type: 'submit', class: 'primary' }, t('people.search_button'))));
  let seq = 0;
  async function search() {
    const mine = ++seq;
    const text = q.value.trim();
    history.replaceState(null, '', text ? `#/people?q=${encodeURIComponent(text)}` : '#/people');
    const r = await api.people(text);
    if (mine !== seq) return;
    const people = r.people.filter((p) => !p.self);
    replace(results, people.length
      ? h('ul', { class: 'people', 'aria-label': t('people.results', { n: people.length }) }, people.map((p) => h('li', { class: 'person card' },
        h('div', { class: 'person-line' },
          h('a', { href: `#/person/${p.id}`, class: 'who', dir: 'auto' }, nameOf(p.name, p.id)), ' ', badges(p)),
        p.bio ? h('p', { class: 'bio', dir: 'auto' }, p.bio) : null,
        personActions(p, search))))
      : h('p', { class: 'empty' }, text ? t('people.none_for', { q: text }) : t('people.none')));
  }
  let timer = null;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => search().catch(showError), 250); });
  form.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); search().catch(showError); });
  replace(main, h('h1', { tabindex: '-1', id: 'people-h' }, t('people.title')), form, results);
  await search();
  return () => clearTimeout(timer);
}
