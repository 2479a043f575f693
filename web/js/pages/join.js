// Join: paste an invite code (seurone-invite:...) or a friend's address
// (seurone://host:port/key); one POST /api/invite/accept does either. After a
// friend's address, offer to follow them at once: their entries come only then.
import { h, replace, showError, clearError, announce, actionButton } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { shortKey } from '../fmt.js';

export async function render(main, route, ctx) {
  const code = h('textarea', { id: 'join-code', name: 'code', rows: 3, required: true, spellcheck: 'false', autocomplete: 'off', dir: 'ltr', 'aria-describedby': 'join-hint' });
  const send = h('button', { type: 'submit', class: 'primary' }, t('join.submit'));
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card form', 'aria-labelledby': 'join-title' },
    h('h1', { id: 'join-title', tabindex: '-1' }, t('join.title')),
    h('p', null, t('join.intro')),
    h('label', { for: 'join-code' }, t('join.code')), code,
    h('p', { class: 'hint', id: 'join-hint' }, t('join.hint')),
    h('div', { class: 'row' }, send));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = code.value.trim();
    if (!v) { showError({ sentence: t('join.empty') }); code.focus(); return; }
    send.disabled = true;
    try {
      const r = await api.inviteAccept(v);
      clearError();
      code.value = '';
      showResult(r, v);
    } catch (err) {
      showError(err);
    } finally {
      send.disabled = false;
    }
  });

  function showResult(r, typed) {
    const isAddress = typed.startsWith('seurone://');
    const out = [];
    if (isAddress) {
      out.push(h('p', { class: 'ok' }, r.dialing ? t('join.address_dialing') : t('join.address_stored')));
    } else {
      out.push(h('p', { class: 'ok' }, t('join.invite_ok')));
      if (r.network_key_written) out.push(h('p', null, t('join.netkey_written')));
      if (r.restart_needed) out.push(h('p', { class: 'warn' }, t('join.restart_needed')));
      if (r.refused) out.push(h('p', { class: 'warn', dir: 'auto' }, t('join.refused', { why: r.refused })));
    }
    if (isAddress && r.key && r.key !== ctx.session.id) {
      const follow = actionButton(t('join.follow', { who: shortKey(r.key) }), async (b) => {
        await api.contact(r.key, 'follow');
        announce(t('person.now_following'));
        replace(b.parentNode, h('p', { class: 'ok' }, t('join.followed')),
          h('p', null, h('a', { href: `#/person/${r.key}` }, t('join.see_profile'))));
      }, { class: 'primary' });
      out.push(h('div', { class: 'row' }, follow));
    }
    out.push(h('p', null, h('a', { href: '#/node' }, t('join.see_node'))));
    replace(result, h('div', { class: 'card' }, out));
    announce(out[0].textContent);
  }

  replace(main, form, result);
  code.focus();
}
