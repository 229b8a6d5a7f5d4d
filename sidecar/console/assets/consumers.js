// Consumers: every consumer with its messages waiting, out for delivery and dead-lettered, and the
// dead letters themselves on demand.
import { get } from './api.js';
import { $, h, badge, num, ago, json, poller } from './dom.js';

// Consumers whose dead letters are shown.
const open = new Set();
const dead = new Map();

async function loadDead(c) {
  try {
    const page = await get(`/console/api/consumers/${c.id}/dead-letters?limit=50`);
    dead.set(c.id, page.data);
  } catch (err) {
    dead.set(c.id, err);
  }
}

function deadRow(c) {
  const d = dead.get(c.id);
  let content;
  if (!d) content = h('p', { class: 'muted' }, 'Loading…');
  else if (d instanceof Error) content = h('p', { class: 'error' }, d.message);
  else if (d.length === 0) content = h('p', { class: 'muted' }, 'No dead letters.');
  else {
    content = d.map((m) => h('details', {},
      h('summary', {}, h('span', { class: 'mono' }, `#${m.seq} ${m.record_key}`),
        h('span', { class: 'muted' }, ` · ${m.deliver_count} deliveries · ${m.last_error || 'no error recorded'}`)),
      h('pre', {}, json(m.message))));
  }
  return h('tr', { class: 'dead-letters' }, h('td', { colspan: 9 }, content));
}

function render(list, counters) {
  $('consumers-note').hidden = counters;
  $('consumers-note').textContent = counters ? ''
    : 'Message counters need the sidecar\'s streaming service, which this database does not have yet; consumers are listed without them.';
  if (list.length === 0) {
    $('consumers-list').replaceChildren(h('p', { class: 'muted' }, 'No consumers. Create one with SELECT sequin.create_consumer(...) or POST /v1/http-consumers.'));
    return;
  }
  const rows = [];
  for (const c of list) {
    const toggle = c.num_dead > 0
      ? h('button', { type: 'button', class: 'small secondary', onclick: async () => {
        if (open.has(c.id)) open.delete(c.id);
        else {
          open.add(c.id);
          await loadDead(c);
        }
        poll.now();
      } }, open.has(c.id) ? 'Hide' : 'Show')
      : null;
    rows.push(h('tr', { dataset: { consumerId: c.id } },
      h('td', {}, c.name),
      h('td', {}, c.kind),
      h('td', {}, badge(c.status)),
      h('td', {}, badge(c.health), c.health_message ? h('div', { class: 'hint' }, c.health_message) : null),
      h('td', { class: 'num pending' }, num(c.num_pending)),
      h('td', { class: 'num ack-pending' }, num(c.num_ack_pending)),
      h('td', { class: 'num dead' }, num(c.num_dead), ' ', toggle),
      h('td', {}, ago(c.oldest_pending_at)),
      h('td', { class: 'muted' }, (c.collection_ids || []).join(', ') || 'all collections')));
    if (open.has(c.id)) rows.push(deadRow(c));
  }
  $('consumers-list').replaceChildren(h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, h('th', {}, 'name'), h('th', {}, 'kind'), h('th', {}, 'status'), h('th', {}, 'health'),
      h('th', { class: 'num' }, 'pending'), h('th', { class: 'num' }, 'awaiting ack'), h('th', { class: 'num' }, 'dead letters'),
      h('th', {}, 'oldest waiting'), h('th', {}, 'collections'))),
    h('tbody', {}, rows)));
}

const poll = poller(async () => {
  try {
    const res = await get('/console/api/consumers');
    for (const id of open) {
      if (res.data.some((c) => c.id === id)) await loadDead({ id });
    }
    render(res.data, res.counters);
    $('consumers-status').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (err) {
    $('consumers-status').textContent = 'cannot refresh: ' + err.message;
    throw err;
  }
}, 3000);

export default {
  show() {
    poll.start();
  },
  hide() {
    poll.stop();
  },
};
