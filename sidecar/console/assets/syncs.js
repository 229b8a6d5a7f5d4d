// The syncs list: health, per-collection backfill progress, records, lag and rate-limit use, read
// from the API (sequin.sync_status) every second, with pause, resume and resync buttons.
import { get, post, listAll, rememberSyncs } from './api.js';
import { $, h, badge, num, duration, ago, poller } from './dom.js';

// Per sync: the error of its last button press, shown until the next press.
const actionErrors = new Map();
const busy = new Set();
let rateUse = new Map();
let lastList = [];

async function refresh() {
  const [list, limits] = await Promise.all([
    listAll('/v1/syncs', { limit: 1000 }),
    get('/console/api/rate-limits').catch(() => null),
  ]);
  rememberSyncs(list);
  if (limits) rateUse = new Map(limits.data.map((r) => [r.credential_id, r]));
  lastList = list;
  render();
  $('syncs-status').textContent = 'updated ' + new Date().toLocaleTimeString();
}

const poll = poller(async () => {
  try {
    await refresh();
  } catch (err) {
    $('syncs-status').textContent = 'cannot refresh: ' + err.message;
    throw err;
  }
}, 1000);

function render() {
  const root = $('syncs-list');
  if (lastList.length === 0) {
    root.replaceChildren(h('p', { class: 'muted empty' }, 'No syncs yet. ', h('a', { href: '#new-sync' }, 'Create one'),
      ' or run SELECT sequin.create_sync(...).'));
    return;
  }
  // Keep the cards whose content did not change, so a button under the pointer stays the same
  // element and a click on it is not lost to a refresh.
  const old = new Map([...root.children].filter((el) => el.dataset.syncId).map((el) => [el.dataset.syncId, el]));
  const next = lastList.map((s) => {
    const fresh = card(s);
    const prev = old.get(s.id);
    return prev && prev.isEqualNode(fresh) ? prev : fresh;
  });
  if (next.length !== root.children.length || next.some((el, i) => root.children[i] !== el)) {
    root.replaceChildren(...next);
  }
}

async function act(sync, path, body) {
  busy.add(sync.id);
  actionErrors.delete(sync.id);
  render();
  try {
    await post(`/v1/syncs/${sync.id}/${path}`, body);
  } catch (err) {
    actionErrors.set(sync.id, err);
  } finally {
    busy.delete(sync.id);
  }
  poll.now();
  render();
}

function card(s) {
  const isBusy = busy.has(s.id);
  const err = actionErrors.get(s.id);
  const buttons = [
    s.status === 'paused'
      ? h('button', { type: 'button', class: 'small', 'data-action': 'resume', disabled: isBusy, onclick: () => act(s, 'resume') }, 'Resume')
      : h('button', { type: 'button', class: 'small secondary', 'data-action': 'pause', disabled: isBusy, onclick: () => act(s, 'pause') }, 'Pause'),
    h('button', { type: 'button', class: 'small secondary', 'data-action': 'resync', disabled: isBusy, onclick: () => act(s, 'resync') }, 'Resync all'),
    h('a', { href: '#records?sync=' + s.id, class: 'small' }, 'Records'),
    h('a', { href: '#events?sync=' + s.id, class: 'small' }, 'Events'),
  ];
  return h('article', { class: 'card sync', dataset: { syncId: s.id, syncName: s.name } },
    h('header', {},
      h('h2', {}, s.name),
      h('span', { class: 'muted' }, `${s.provider} → ${s.schema}`),
      badge(s.status),
      badge(s.health),
      h('span', { class: 'actions' }, buttons)),
    s.health_message ? h('p', { class: 'error health-message' }, s.health_message) : null,
    err ? h('p', { class: 'error action-error', role: 'alert' }, err.message, err.hint ? h('div', { class: 'hint' }, err.hint) : null) : null,
    h('div', { class: 'meta' }, rateLine(s)),
    h('table', { class: 'grid collections' },
      h('thead', {}, h('tr', {},
        h('th', {}, 'collection'), h('th', {}, 'state'), h('th', {}, 'backfill'), h('th', { class: 'num' }, 'records'),
        h('th', { class: 'num' }, 'lag'), h('th', {}, 'last change'), h('th', {}, 'error'), h('th', {}))),
      h('tbody', {}, s.collections.map((c) => row(s, c, isBusy)))));
}

function rateLine(s) {
  const rl = s.rate_limit || {};
  const parts = [`rate limit ${num(rl.allowed_requests)} requests per ${duration(rl.interval)}`];
  parts.push(rl.max_concurrent_requests > 0 ? `at most ${rl.max_concurrent_requests} at once` : 'no concurrency limit');
  const use = rateUse.get(s.credential_id);
  if (use) {
    const cap = rl.max_concurrent_requests > 0 ? '/' + rl.max_concurrent_requests : '';
    parts.push(`in flight now ${use.in_flight}${cap}`);
    parts.push(use.reserved_ahead_ms > 0 ? `request slots reserved ${duration(use.reserved_ahead_ms)} ahead (budget in use)` : 'budget idle');
  }
  return parts.join(' · ');
}

function progress(c) {
  const pct = c.backfill_percent;
  const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
    'aria-label': 'backfill of ' + c.collection_id });
  const fill = h('span', { class: 'fill' });
  let label;
  if (pct === null || pct === undefined) {
    bar.classList.add('unknown');
    label = `${num(c.backfill_records)} so far`;
  } else {
    bar.setAttribute('aria-valuenow', String(pct));
    fill.style.width = Math.min(100, pct) + '%';
    if (pct >= 100) bar.classList.add('done');
    label = `${pct}%`;
  }
  bar.append(fill, h('span', { class: 'label' }, label));
  return bar;
}

function row(s, c, isBusy) {
  const error = c.last_error || (c.health !== 'healthy' ? c.health_message : null);
  return h('tr', { dataset: { collection: c.collection_id } },
    h('td', { class: 'mono' }, c.collection_id),
    h('td', {}, badge(c.state)),
    h('td', {}, progress(c)),
    h('td', { class: 'num' }, num(c.records)),
    h('td', { class: 'num' }, duration(c.lag_ms)),
    h('td', {}, ago(c.last_change_at)),
    h('td', {}, error ? h('span', { class: 'error-text', title: c.last_error_at || '' }, error) : ''),
    h('td', {}, h('button', { type: 'button', class: 'small secondary', disabled: isBusy,
      onclick: () => act(s, 'resync', { collection_id: c.collection_id }) }, 'Resync')));
}

export default {
  show() {
    if (lastList.length === 0) $('syncs-list').replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    poll.start();
  },
  hide() {
    poll.stop();
  },
};
