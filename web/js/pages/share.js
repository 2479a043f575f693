// Share my address and an invite: as text with a copy button and as a QR code
// the node draws (POST /api/qr returns SVG, shown as an <img> from a data: URL,
// which the CSP allows and which cannot run anything).
import { h, replace, announce, actionButton } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { localTime } from '../fmt.js';

async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // no clipboard permission (plain http on another host, or a test browser):
    // select the text so that Ctrl+C copies it
    input.focus();
    input.select();
    return false;
  }
}

export function copyBlock(id, label, text, qrAlt) {
  const field = h('textarea', { id, readonly: true, rows: Math.min(4, Math.max(2, Math.ceil(text.length / 60))), class: 'mono', spellcheck: 'false', dir: 'ltr' });
  field.value = text;
  const status = h('span', { class: 'copied', 'aria-live': 'polite' });
  const copy = actionButton(t('share.copy'), async () => {
    const ok = await copyText(text, field);
    status.textContent = ok ? t('share.copied') : t('share.copy_select');
  });
  const qr = h('figure', { class: 'qr' });
  api.qr(text).then((svg) => {
    const img = h('img', { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, alt: qrAlt, width: 220, height: 220 });
    replace(qr, img, h('figcaption', null, t('share.qr_caption')));
  }).catch((e) => replace(qr, h('p', { class: 'warn' }, e.sentence || String(e))));
  return h('div', { class: 'copy-block' },
    h('label', { for: id }, label), field, h('div', { class: 'row' }, copy, status), qr);
}

export async function render(main, route, ctx) {
  const addr = await api.address();
  const inviteSlot = h('div', { class: 'invite-slot' });
  const uses = h('input', { id: 'invite-uses', type: 'number', min: 1, max: 100, value: 1, inputmode: 'numeric' });
  const create = actionButton(t('share.invite_create'), async () => {
    const n = Math.max(1, Math.min(100, Number(uses.value) || 1));
    let r;
    try {
      r = await api.inviteCreate(n);
    } catch (e) {
      // said where the button is, not only at the top of the page
      replace(inviteSlot, h('p', { class: 'warn', dir: 'auto' }, e.sentence || String(e)));
      throw e;
    }
    replace(inviteSlot, copyBlock('invite-code', t('share.invite_code'), r.code, t('share.invite_qr_alt')),
      h('p', { class: 'hint' }, t('share.invite_uses', { n: r.uses })),
      // 7 days unless made on the Members page with another expiry (`invite create --expires`)
      r.expires_ms ? h('p', { class: 'hint', id: 'invite-until' }, t('share.invite_until', { when: localTime(r.expires_ms) })) : null);
    announce(t('share.invite_made'));
  });
  replace(main,
    h('h1', { tabindex: '-1' }, t('share.title')),
    h('section', { class: 'card', 'aria-labelledby': 'addr-h' },
      h('h2', { id: 'addr-h' }, t('share.address_title')),
      h('p', null, t('share.address_intro')),
      copyBlock('my-address', t('share.address_label'), addr.address, t('share.address_qr_alt')),
      h('p', { class: 'hint' }, t('share.address_reach'))),
    h('section', { class: 'card', 'aria-labelledby': 'inv-h' },
      h('h2', { id: 'inv-h' }, t('share.invite_title')),
      h('p', null, t(ctx.session.relay ? 'share.invite_intro_relay' : 'share.invite_intro')),
      // only a relay redeems invites: a personal node would refuse its own
      ctx.session.relay ? h('div', { class: 'row' }, h('label', { for: 'invite-uses', class: 'inline' }, t('share.invite_uses_label')), uses, create) : null,
      inviteSlot));
}
