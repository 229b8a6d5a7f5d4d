// The event stream's live tail: starts a little before the newest event and follows
// GET /v1/events?after_seq= every second, newest on top, with a diff of previous_data → data.
import { get, query, syncs } from './api.js';
import { $, h, badge, time, json, short, poller, fillSyncSelect } from './dom.js';

const BACKLOG = 50;
const KEEP = 500;
let after = null;

// changes lists the changed paths between a prior value and the current one, going into objects
// that both sides have, so a changed metadata key shows as metadata.key rather than two whole objects.
function changes(prefix, old, cur, depth, out) {
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (depth > 0 && isObj(old) && isObj(cur)) {
    for (const k of new Set([...Object.keys(old), ...Object.keys(cur)])) {
      if (JSON.stringify(old[k]) !== JSON.stringify(cur[k])) changes(prefix + '.' + k, old[k], cur[k], depth - 1, out);
    }
    return out;
  }
  out.push([prefix, old, cur]);
  return out;
}

function change(e) {
  if (e.event === 'updated' && e.previous_data) {
    const rows = [];
    for (const k of Object.keys(e.previous_data)) changes(k, e.previous_data[k], e.data ? e.data[k] : undefined, 2, rows);
    return h('ul', { class: 'diff' }, rows.map(([path, old, cur]) =>
      h('li', {}, h('span', { class: 'mono' }, path + ': '),
        h('span', { class: 'old' }, short(old, 60)), ' → ', h('span', { class: 'new' }, short(cur, 60)))));
  }
  return h('details', {}, h('summary', {}, e.event === 'deleted' ? 'last data' : 'data'), h('pre', {}, json(e.data)));
}

function eventRow(e) {
  return h('tr', { class: 'event fresh', dataset: { seq: e.seq, event: e.event, upstreamId: e.upstream_id } },
    h('td', { class: 'num' }, e.seq),
    h('td', {}, time(e.event_inserted_at)),
    h('td', {}, badge(e.event)),
    h('td', { class: 'mono' }, e.collection_id),
    h('td', { class: 'mono' }, e.upstream_id),
    h('td', {}, change(e)));
}

async function tick() {
  if ($('events-paused').checked) return;
  const body = $('events-body');
  if (after === null) {
    const last = await get('/console/api/events/last');
    after = Math.max(0, last.seq - BACKLOG);
  }
  for (let i = 0; i < 10; i++) {
    const page = await get('/v1/events' + query({ after_seq: after, sync_id: $('events-sync').value, limit: 200 }));
    for (const e of page.data) body.prepend(eventRow(e));
    if (page.next_cursor) after = Number(page.next_cursor);
    if (!page.has_more) break;
  }
  while (body.rows.length > KEEP) body.deleteRow(-1);
  $('events-status').textContent = body.rows.length
    ? `live · ${body.rows.length} shown · up to seq ${after}` : 'live · waiting for events';
}

const poll = poller(async () => {
  try {
    await tick();
  } catch (err) {
    $('events-status').textContent = 'cannot refresh: ' + err.message;
    throw err;
  }
}, 1000);

function restart() {
  after = null;
  $('events-body').replaceChildren();
  poll.now();
}

$('events-sync').addEventListener('change', restart);
$('events-paused').addEventListener('change', () => poll.now());

export default {
  async show(params) {
    try {
      fillSyncSelect($('events-sync'), await syncs(), ['', 'all syncs']);
    } catch (err) {
      $('events-status').textContent = err.message;
    }
    const want = params.get('sync') || '';
    if (want !== $('events-sync').value && [...$('events-sync').options].some((o) => o.value === want)) {
      $('events-sync').value = want;
      after = null;
      $('events-body').replaceChildren();
    }
    poll.start();
  },
  hide() {
    poll.stop();
  },
};
