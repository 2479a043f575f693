// api.js: the node's HTTP API (docs/api.md). GETs carry the session cookie; POSTs
// also the CSRF header from /api/session. A refusal becomes an ApiError whose
// .sentence is the node's own sentence for a person.
import { t } from './i18n.js';

let csrf = '';
export function setCsrf(c) { csrf = c || ''; }

export class ApiError extends Error {
  constructor(status, code, sentence) {
    super(`${status} ${code}: ${sentence}`);
    this.status = status;
    this.code = code;
    this.sentence = sentence;
  }
}

// Called when the session is gone (401): app.js shows how to log in again.
let onAuthLost = () => {};
export function setAuthLost(fn) { onAuthLost = fn; }

async function call(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-Seurone-CSRF'] = csrf;
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', t('error.network'));
  }
  const type = r.headers.get('Content-Type') || '';
  if (!r.ok) {
    let j = null;
    if (type.includes('json')) j = await r.json().catch(() => null);
    const sentence = (j && j.error) || t('error.status', { status: r.status });
    if (r.status === 401) onAuthLost();
    throw new ApiError(r.status, (j && j.code) || `HTTP${r.status}`, sentence);
  }
  if (type.includes('json')) return r.json();
  return r.text();
}

const q = (params) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
};

export const api = {
  get: (path, params = {}) => call('GET', path + q(params)),
  post: (path, body) => call('POST', path, body ?? {}),
  session: () => call('GET', '/api/session'),
  feed: (before, limit) => call('GET', '/api/feed' + q({ before, limit })),
  publish: (body) => call('POST', '/api/publish', body),
  person: (id) => call('GET', '/api/person' + q({ id })),
  people: (text) => call('GET', '/api/people' + q({ q: text })),
  projects: (text) => call('GET', '/api/projects' + q({ q: text })),
  project: (id) => call('GET', '/api/project' + q({ id })),
  flow: (id) => call('GET', '/api/flow/entry' + q({ id })),
  neighbourhood: (id, depth) => call('GET', '/api/neighbourhood' + q({ id, depth })),
  status: () => call('GET', '/api/status'),
  peers: () => call('GET', '/api/peers'),
  address: () => call('GET', '/api/address'),
  inviteCreate: (uses, expires) => call('POST', '/api/invite/create', { ...(uses ? { uses } : {}), ...(expires ? { expires } : {}) }),
  // a relay's members and invites, the same names as the CLI: members, members
  // remove, invite list, invite revoke
  members: () => call('GET', '/api/members'),
  memberRemove: (member) => call('POST', '/api/members/remove', { member }),
  inviteList: () => call('GET', '/api/invite/list'),
  inviteRevoke: (invite) => call('POST', '/api/invite/revoke', { invite }),
  inviteAccept: (code) => call('POST', '/api/invite/accept', { code }),
  // the same names as the CLI: device list, device add, device revoke
  devices: () => call('GET', '/api/devices'),
  deviceAdd: (name) => call('POST', '/api/devices/add', name ? { name } : {}),
  deviceRevoke: (device) => call('POST', '/api/devices/revoke', { device }),
  qr: (text) => call('POST', '/api/qr', { text }),
  contact: (who, state) => call('POST', '/api/publish', { type: 'contact', who, state }),
  membership: (project, role) => call('POST', '/api/publish', { type: 'membership', project, role }),
};
