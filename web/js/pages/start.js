// First start: the person chooses the name others will see and a short bio
// (an about entry). Protecting the key with a passphrase comes later (issue 14).
import { h, replace, showError, announce } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';

export async function render(main, route, ctx) {
  const s = ctx.session;
  const name = h('input', { id: 'start-name', name: 'name', required: true, maxlength: 200, autocomplete: 'nickname', dir: 'auto', value: s.name || '' });
  const bio = h('textarea', { id: 'start-bio', name: 'bio', rows: 3, maxlength: 2000, dir: 'auto' });
  bio.value = s.bio || '';
  const submit = h('button', { type: 'submit', class: 'primary' }, t(s.name ? 'start.save' : 'start.submit'));
  const form = h('form', { class: 'card form', 'aria-labelledby': 'start-title' },
    h('h1', { id: 'start-title', tabindex: '-1' }, t(s.name ? 'start.title_edit' : 'start.title')),
    h('p', null, t('start.intro')),
    h('label', { for: 'start-name' }, t('start.name')), name,
    h('p', { class: 'hint', id: 'start-name-hint' }, t('start.name_hint')),
    h('label', { for: 'start-bio' }, t('start.bio')), bio,
    h('p', { class: 'hint' }, t('start.passphrase_later')),
    h('div', { class: 'row' }, submit));
  name.setAttribute('aria-describedby', 'start-name-hint');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const n = name.value.trim();
    if (!n) { showError({ sentence: t('start.name_needed') }); name.focus(); return; }
    submit.disabled = true;
    try {
      const body = { type: 'about', name: n };
      if (bio.value.trim()) body.bio = bio.value.trim();
      await api.publish(body);
      await ctx.refreshSession();
      announce(t('start.done', { name: n }));
      ctx.go('#/feed');
    } catch (err) {
      showError(err);
    } finally {
      submit.disabled = false;
    }
  });
  replace(main, form);
  name.focus();
}
