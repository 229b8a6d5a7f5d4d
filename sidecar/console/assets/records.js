// The records browser: one collection of one sync at a time, a page at a time, each record's JSON a
// click away; a search box finds a record by its upstream id.
import { get, query, syncs } from './api.js';
import { $, h, time, json, showError, fillSyncSelect } from './dom.js';

const PAGE = 25;
// cursors[i] is the cursor of page i (null for the first).
let cursors = [null];
let pageIndex = 0;
let list = [];
// gen numbers the requests that fill the list; an answer to an older one is dropped, so a slow page
// cannot replace a search result that came after it.
let gen = 0;

function current() {
  return list.find((s) => s.id === $('records-sync').value);
}

function fillCollections() {
  const s = current();
  const keep = $('records-collection').value;
  $('records-collection').replaceChildren(...((s && s.collections) || []).map((c) =>
    h('option', { value: c.collection_id }, `${c.collection_id} (${c.records})`)));
  if ([...$('records-collection').options].some((o) => o.value === keep)) $('records-collection').value = keep;
}

function recordRow(r) {
  return h('details', { class: 'record card', dataset: { upstreamId: r.upstream_id } },
    h('summary', {}, h('span', { class: 'mono' }, r.upstream_id),
      h('span', { class: 'muted' }, `  updated upstream ${time(r.upstream_updated_at)} · synced ${time(r.synced_at)}`)),
    h('pre', {}, json(r.data)));
}

async function loadPage() {
  const s = current();
  const mine = ++gen;
  showError($('records-error'), null);
  if (!s) {
    $('records-list').replaceChildren(h('p', { class: 'muted' }, 'No syncs yet.'));
    return;
  }
  try {
    const page = await get('/v1/records' + query({
      sync_id: s.id, collection_id: $('records-collection').value, limit: PAGE, cursor: cursors[pageIndex],
    }));
    if (mine !== gen) return;
    cursors[pageIndex + 1] = page.has_more ? page.next_cursor : undefined;
    $('records-list').replaceChildren(...(page.data.length ? page.data.map(recordRow) : [h('p', { class: 'muted' }, 'No records.')]));
    $('records-prev').disabled = pageIndex === 0;
    $('records-next').disabled = !page.has_more;
    $('records-page').textContent = `page ${pageIndex + 1}`;
  } catch (err) {
    if (mine === gen) showError($('records-error'), err);
  }
}

function restart() {
  cursors = [null];
  pageIndex = 0;
  loadPage();
}

async function find(e) {
  e.preventDefault();
  const id = $('records-search').value.trim();
  if (!id) {
    restart();
    return;
  }
  const s = current();
  if (!s) return;
  const mine = ++gen;
  showError($('records-error'), null);
  try {
    const r = await get('/console/api/record' + query({ sync_id: s.id, collection_id: $('records-collection').value, upstream_id: id }));
    if (mine !== gen) return;
    const row = recordRow(r);
    row.open = true;
    $('records-list').replaceChildren(row);
    $('records-prev').disabled = true;
    $('records-next').disabled = true;
    $('records-page').textContent = 'search result';
  } catch (err) {
    if (mine !== gen) return;
    $('records-list').replaceChildren();
    showError($('records-error'), err);
  }
}

$('records-sync').addEventListener('change', () => {
  fillCollections();
  restart();
});
$('records-collection').addEventListener('change', restart);
$('records-form').addEventListener('submit', find);
$('records-clear').addEventListener('click', () => {
  $('records-search').value = '';
  restart();
});
$('records-prev').addEventListener('click', () => {
  pageIndex = Math.max(0, pageIndex - 1);
  loadPage();
});
$('records-next').addEventListener('click', () => {
  if (cursors[pageIndex + 1]) {
    pageIndex++;
    loadPage();
  }
});

export default {
  async show(params) {
    try {
      list = await syncs();
    } catch (err) {
      showError($('records-error'), err);
      return;
    }
    fillSyncSelect($('records-sync'), list);
    if (params.get('sync')) $('records-sync').value = params.get('sync');
    fillCollections();
    restart();
  },
  hide() {},
};
