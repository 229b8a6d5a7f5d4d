// The console's shell: sign-in with an API token, the tabs, and which view runs. Views poll the API
// only while they are shown.
import { get, token } from './api.js';
import { $, showError } from './dom.js';
import syncsView from './syncs.js';
import createView from './create.js';
import recordsView from './records.js';
import eventsView from './events.js';
import consumersView from './consumers.js';
import mutationsView from './mutations.js';

const views = {
  syncs: syncsView,
  'new-sync': createView,
  records: recordsView,
  events: eventsView,
  consumers: consumersView,
  mutations: mutationsView,
};
let current = null;

function hash() {
  const [name, q] = location.hash.replace(/^#/, '').split('?');
  return { name: views[name] ? name : 'syncs', params: new URLSearchParams(q || '') };
}

function showLogin(err) {
  if (current) current.hide();
  current = null;
  for (const v of document.querySelectorAll('.view')) v.hidden = true;
  $('tabs').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  showError($('login-error'), err || null);
  $('login-token').focus();
}

function route() {
  if (!token.get()) {
    showLogin();
    return;
  }
  const { name, params } = hash();
  const view = views[name];
  $('login').hidden = true;
  $('tabs').hidden = false;
  $('logout').hidden = false;
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (current && current !== view) current.hide();
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + name;
  current = view;
  view.show(params);
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const t = $('login-token').value.trim();
  if (!t) return;
  token.set(t);
  try {
    // Any authenticated read proves the token.
    await get('/v1/syncs?limit=1');
  } catch (err) {
    token.clear();
    showError($('login-error'), err);
    return;
  }
  $('login-token').value = '';
  route();
});

$('logout').addEventListener('click', () => {
  token.clear();
  showLogin();
});

window.addEventListener('sequin:unauthorized', (e) => {
  if (!token.get()) return;
  token.clear();
  showLogin(e.detail);
});

window.addEventListener('hashchange', route);
route();
