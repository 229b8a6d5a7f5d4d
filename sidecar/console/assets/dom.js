// Small DOM helpers. Every value from the API reaches the page as text (never as HTML), so record
// contents cannot inject markup.

const PROPS = new Set(['value', 'checked', 'selected', 'disabled', 'open']);

// h makes an element: h('td', {class: 'num'}, '12'). Attributes named on* with a function add listeners.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

export function badge(text, kind) {
  return h('span', { class: 'badge ' + (kind || text) }, text.replaceAll('_', ' '));
}

export function num(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

// duration renders milliseconds as "850 ms", "12.5 s", "3 min", "2 h".
export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  if (ms < 3600000) return Math.round(ms / 60000) + ' min';
  return (ms / 3600000).toFixed(1) + ' h';
}

export function time(ts) {
  if (!ts) return '—';
  const d = new Date(ts);
  return isNaN(d) ? String(ts) : d.toLocaleString();
}

export function ago(ts) {
  if (!ts) return '—';
  return duration(Math.max(0, Date.now() - new Date(ts).getTime())) + ' ago';
}

export function json(v) {
  return JSON.stringify(v, null, 2);
}

// short renders a JSON value on one line, cut at max characters.
export function short(v, max = 80) {
  const s = v === undefined ? 'absent' : JSON.stringify(v);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

// showError fills an error box with an API error's message and hint, or hides it for null.
export function showError(el, err) {
  if (!err) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  el.replaceChildren(h('span', {}, err.message), err.hint ? h('div', { class: 'hint' }, err.hint) : null);
  el.hidden = false;
}

// poller runs fn every ms milliseconds, each run starting after the previous one ended, until stop.
export function poller(fn, ms) {
  let timer = null;
  let gen = 0;
  let running = false;
  async function tick(g) {
    try {
      await fn();
    } catch (e) {
      if (e && e.status !== 401) console.warn(e);
    }
    if (running && g === gen) timer = setTimeout(() => tick(g), ms);
  }
  return {
    start() {
      if (running) return;
      running = true;
      tick(++gen);
    },
    stop() {
      running = false;
      gen++;
      clearTimeout(timer);
    },
    // now runs fn at once and keeps the rhythm from there.
    now() {
      if (!running) return;
      clearTimeout(timer);
      tick(++gen);
    },
  };
}

// fillSyncSelect fills a <select> with the syncs, keeping its choice; first is an optional
// [value, label] for "all".
export function fillSyncSelect(select, list, first) {
  const keep = select.value;
  const opts = [];
  if (first) opts.push(h('option', { value: first[0] }, first[1]));
  for (const s of list) opts.push(h('option', { value: s.id }, `${s.name} (${s.provider})`));
  select.replaceChildren(...opts);
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}
