// clock.js: the date formatter, built as early as possible. Building the first
// Intl.DateTimeFormat loads ICU's data for the language (20-50 ms here), so
// index.html runs this module `async`, while the other modules still load, for
// the language the browser asks first; fmt.js takes the same object (a module
// is evaluated once) or builds another if the catalogue chosen differs.
const OPTIONS = { dateStyle: 'medium', timeStyle: 'short' };
const guess = String((navigator.languages && navigator.languages[0]) || navigator.language || 'en').split(/[-_]/)[0].toLowerCase();
let made = { lang: guess, f: new Intl.DateTimeFormat(guess, OPTIONS) };

export function dateFormatter(lang) {
  if (made.lang !== lang) made = { lang, f: new Intl.DateTimeFormat(lang, OPTIONS) };
  return made.f;
}
