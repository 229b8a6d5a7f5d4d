// The new-sync form: provider, then the fields of one of its credential kinds (or an existing
// credential), collections, rate limit and options. It posts to POST /v1/syncs, which calls
// sequin.create_sync, so the form shows the SQL function's own words when it refuses.
import { post, listAll, ApiError } from './api.js';
import { $, h, showError } from './dom.js';

let providers = [];
let credentials = [];

function provider() {
  return providers.find((p) => p.provider === $('create-provider').value);
}

function kind() {
  const p = provider();
  return p && p.credential_kinds.find((k) => k.kind === $('create-kind').value);
}

function mode() {
  return document.querySelector('input[name="cred-mode"]:checked').value;
}

function renderProvider() {
  const p = provider();
  if (!p) return;
  $('create-kind').replaceChildren(...p.credential_kinds.map((k) => h('option', { value: k.kind }, k.kind)));
  renderKind();
  const mine = credentials.filter((c) => c.provider === p.provider);
  $('create-credential-id').replaceChildren(...mine.map((c) =>
    h('option', { value: c.id }, `${c.kind} ${c.id.slice(0, 8)}… (${c.health})`)));
  document.querySelector('input[name="cred-mode"][value="existing"]').disabled = mine.length === 0;
  if (mine.length === 0) document.querySelector('input[name="cred-mode"][value="new"]').checked = true;
  renderMode();
  $('create-collection-list').replaceChildren(...p.collections.map((c) =>
    h('label', { class: 'inline', title: c.description || '' },
      h('input', { type: 'checkbox', name: 'collection', value: c.id }), c.name)));
  const rl = p.default_rate_limit;
  $('create-rl-allowed').value = rl.allowed_requests;
  $('create-rl-interval').value = rl.interval;
  $('create-rl-concurrent').value = rl.max_concurrent_requests || 0;
  $('create-rl-hint').textContent = `${p.display_name}'s default: ${rl.allowed_requests} requests per ${rl.interval} ms` +
    (p.test_rate_limit ? `; test mode: ${p.test_rate_limit.allowed_requests} per ${p.test_rate_limit.interval} ms` : '');
  $('create-schema').placeholder = p.provider;
  $('create-base-url').placeholder = p.default_base_url;
}

function renderKind() {
  const k = kind();
  $('create-kind-description').textContent = (k && k.description) || '';
  $('create-cred-fields').replaceChildren(...((k && k.fields) || []).map((f) => {
    const id = 'create-cred-' + f.name;
    const title = f.description || '';
    if (f.type === 'boolean') {
      return h('label', { class: 'inline', title }, h('input', { type: 'checkbox', id, dataset: { field: f.name, type: f.type } }), f.name);
    }
    return h('label', { title }, f.name + (f.required ? ' *' : ''),
      h('input', { id, type: f.secret ? 'password' : f.type === 'integer' ? 'number' : 'text', autocomplete: 'off',
        required: f.required, dataset: { field: f.name, type: f.type }, placeholder: f.description || '' }));
  }));
}

function renderMode() {
  $('create-cred-new').hidden = mode() !== 'new';
  $('create-cred-existing').hidden = mode() !== 'existing';
}

// body reads the form into a POST /v1/syncs request. Empty optional inputs are left out, so the SQL
// function applies its defaults.
function body() {
  const p = provider();
  const req = {
    provider: p ? p.provider : '',
    name: $('create-name').value.trim(),
    collection_ids: [...document.querySelectorAll('#create-collection-list input:checked')].map((i) => i.value),
  };
  if (mode() === 'existing') {
    req.credential_id = $('create-credential-id').value;
  } else {
    const props = { kind: $('create-kind').value };
    for (const input of document.querySelectorAll('#create-cred-fields input')) {
      const { field, type } = input.dataset;
      if (type === 'boolean') {
        if (input.checked) props[field] = true;
      } else if (input.value !== '') {
        props[field] = type === 'integer' ? Number(input.value) : input.value;
      }
    }
    req.credential = { properties: props };
  }
  const rl = {};
  const n = (id) => ($(id).value === '' ? undefined : Number($(id).value));
  if (n('create-rl-allowed') !== undefined) rl.allowed_requests = n('create-rl-allowed');
  if (n('create-rl-interval') !== undefined) rl.interval = n('create-rl-interval');
  if (n('create-rl-concurrent') !== undefined) rl.max_concurrent_requests = n('create-rl-concurrent');
  if (Object.keys(rl).length) req.rate_limit = rl;
  const options = {};
  if ($('create-schema').value.trim()) options.schema = $('create-schema').value.trim();
  if ($('create-base-url').value.trim()) options.base_url = $('create-base-url').value.trim();
  if (n('create-poll') !== undefined) options.poll_interval_ms = n('create-poll');
  if (Object.keys(options).length) req.options = options;
  return req;
}

// check catches what the browser can tell before asking the server.
function check(req) {
  if (!req.provider) return new ApiError(422, { message: 'choose a provider', field: 'provider' });
  if (!req.name) return new ApiError(422, { message: 'the sync needs a name', field: 'name' });
  if (req.collection_ids.length === 0) return new ApiError(422, { message: 'choose at least one collection', field: 'collection_ids' });
  if (req.credential) {
    const k = kind();
    const missing = ((k && k.fields) || []).filter((f) => f.required && req.credential.properties[f.name] === undefined);
    if (missing.length) return new ApiError(422, { message: 'credential: ' + missing.map((f) => f.name).join(', ') + ' required', field: 'credential' });
  }
  return null;
}

// markField outlines the part of the form an error names: the API's field, or the argument the SQL
// function's message names.
function markField(err) {
  for (const el of document.querySelectorAll('#create-form .invalid')) el.classList.remove('invalid');
  if (!err) return;
  let field = err.field;
  if (!field) {
    const m = /argument "?(\w+)"?|\b(rate_limit|options|collection_ids|credential_id|properties|name)\b/.exec(err.message);
    field = m && (m[1] || m[2]);
  }
  const map = { properties: 'credential', credential_id: 'credential', provider: 'create-provider', name: 'create-name' };
  const key = map[field] || field;
  if (!key) return;
  const el = document.querySelector(`#create-form [data-field="${key}"]`) || document.getElementById(key);
  if (el) el.classList.add('invalid');
}

async function submit(e) {
  e.preventDefault();
  const req = body();
  let err = check(req);
  if (!err) {
    $('create-submit').disabled = true;
    try {
      const sync = await post('/v1/syncs', req);
      showError($('create-error'), null);
      markField(null);
      $('create-form').reset();
      location.hash = '#syncs';
      return sync;
    } catch (ex) {
      err = ex;
    } finally {
      $('create-submit').disabled = false;
    }
  }
  showError($('create-error'), err);
  markField(err);
}

async function load() {
  try {
    [providers, credentials] = await Promise.all([
      listAll('/v1/providers', { limit: 1000 }),
      listAll('/v1/credentials', { limit: 1000 }),
    ]);
  } catch (err) {
    showError($('create-error'), err);
    return;
  }
  const keep = $('create-provider').value;
  $('create-provider').replaceChildren(...providers.map((p) => h('option', { value: p.provider }, p.display_name)));
  if (providers.some((p) => p.provider === keep)) $('create-provider').value = keep;
  renderProvider();
}

$('create-provider').addEventListener('change', renderProvider);
$('create-kind').addEventListener('change', renderKind);
for (const r of document.querySelectorAll('input[name="cred-mode"]')) r.addEventListener('change', renderMode);
$('create-form').addEventListener('submit', submit);

export default {
  show() {
    load();
  },
  hide() {},
};
