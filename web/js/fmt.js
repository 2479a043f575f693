// fmt.js: what people see instead of keys and milliseconds.
import { getLang, t } from './i18n.js';
import { dateFormatter } from './clock.js';

// A short form of a key, only where no name is known: the first 8 hex digits.
export function shortKey(id) {
  return id ? `${String(id).slice(0, 8)}…` : '?';
}

export function nameOf(name, id) {
  return name && String(name).length ? String(name) : shortKey(id);
}

export function localTime(ms) {
  return dateFormatter(getLang()).format(new Date(Number(ms)));
}

export function isoTime(ms) {
  return new Date(Number(ms)).toISOString();
}

// 950 -> "0.9 s", 75000 -> "1 min 15 s", 5400000 -> "1 h 30 min", days past 48 h.
export function duration(ms) {
  ms = Math.max(0, Number(ms) || 0);
  if (ms < 1000) return t('unit.ms', { n: Math.round(ms) });
  const s = ms / 1000;
  if (s < 10) return t('unit.s', { n: (Math.floor(s * 10) / 10).toLocaleString(getLang()) });
  if (s < 60) return t('unit.s', { n: Math.floor(s) });
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 >= 1 && m < 10 ? `${t('unit.min', { n: m })} ${t('unit.s', { n: Math.floor(s % 60) })}` : t('unit.min', { n: m });
  const hr = Math.floor(m / 60);
  if (hr < 48) return m % 60 ? `${t('unit.h', { n: hr })} ${t('unit.min', { n: m % 60 })}` : t('unit.h', { n: hr });
  return t('unit.d', { n: Math.floor(hr / 24) });
}

export function number(n) {
  return Number(n || 0).toLocaleString(getLang());
}

export function bytes(n) {
  n = Number(n || 0);
  if (n < 1024) return t('unit.bytes', { n });
  const one = (x) => x.toLocaleString(getLang(), { maximumFractionDigits: 1 });
  if (n < 1024 * 1024) return t('unit.kib', { n: one(n / 1024) });
  return t('unit.mib', { n: one(n / 1024 / 1024) });
}
