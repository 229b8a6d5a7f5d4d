// Mutations: writes back to the APIs, newest first, with their status, attempts and errors.
import { get, query, syncs } from './api.js';
import { $, h, badge, time, json, poller, fillSyncSelect } from './dom.js';

const PAGE = 50;
let items = [];
let next = null;
let names = new Map();

function filters() {
  return { sync_id: $('mutations-sync').value, status: $('mutations-filter').value, limit: PAGE };
}

function render() {
  if (items.length === 0) {
    $('mutations-list').replaceChildren(h('p', { class: 'muted' }, 'No mutations. Insert into sequin.mutations or POST /v1/mutations/run.'));
  } else {
    $('mutations-list').replaceChildren(h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', {}, 'at'), h('th', {}, 'sync'), h('th', {}, 'collection'), h('th', {}, 'kind'),
        h('th', {}, 'upstream id'), h('th', {}, 'status'), h('th', { class: 'num' }, 'attempts'), h('th', {}, 'error'), h('th', {}, 'data'))),
      h('tbody', {}, items.map((m) => h('tr', { dataset: { mutationId: m.id, status: m.status } },
        h('td', {}, time(m.inserted_at)),
        h('td', {}, names.get(m.sync_id) || m.sync_id),
        h('td', { class: 'mono' }, m.collection_id),
        h('td', {}, m.kind),
        h('td', { class: 'mono' }, m.upstream_id || '—'),
        h('td', {}, badge(m.status)),
        h('td', { class: 'num' }, m.attempts),
        h('td', {}, m.error ? h('span', { class: 'error-text' }, (m.error_code ? m.error_code + ': ' : '') + m.error) : ''),
        h('td', {}, h('details', {}, h('summary', {}, 'show'),
          h('div', { class: 'muted' }, 'data'), h('pre', {}, json(m.data)),
          m.result ? [h('div', { class: 'muted' }, 'result'), h('pre', {}, json(m.result))] : null)))))));
  }
  $('mutations-more').hidden = !next;
}

// refresh reloads the first page; a list the user has extended with "Load more" is left alone.
async function refresh(force) {
  if (!force && items.length > PAGE) return;
  const page = await get('/console/api/mutations' + query(filters()));
  items = page.data;
  next = page.has_more ? page.next_cursor : null;
  render();
  $('mutations-status').textContent = 'updated ' + new Date().toLocaleTimeString();
}

const poll = poller(async () => {
  try {
    await refresh(false);
  } catch (err) {
    $('mutations-status').textContent = 'cannot refresh: ' + err.message;
    throw err;
  }
}, 3000);

$('mutations-more').addEventListener('click', async () => {
  try {
    const page = await get('/console/api/mutations' + query({ ...filters(), cursor: next }));
    items = items.concat(page.data);
    next = page.has_more ? page.next_cursor : null;
    render();
  } catch (err) {
    $('mutations-status').textContent = err.message;
  }
});
for (const id of ['mutations-sync', 'mutations-filter']) {
  $(id).addEventListener('change', () => {
    items = [];
    refresh(true).catch((err) => { $('mutations-status').textContent = err.message; });
  });
}

export default {
  async show() {
    try {
      const list = await syncs();
      names = new Map(list.map((s) => [s.id, s.name]));
      fillSyncSelect($('mutations-sync'), list, ['', 'all syncs']);
    } catch (err) {
      $('mutations-status').textContent = err.message;
    }
    poll.start();
  },
  hide() {
    poll.stop();
  },
};
