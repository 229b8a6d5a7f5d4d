// Talks to the sidecar's management API with the token the user signed in with. The token lives in
// sessionStorage: it survives a reload of this tab and is gone when the tab closes.

const TOKEN_KEY = 'sequin.console.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

// ApiError carries the API's {"error": {code, message, hint, field}} body.
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.code) || '';
    this.hint = (body && body.hint) || '';
    this.field = (body && body.field) || '';
  }
}

// request sends one API call and returns its decoded body (null for 204). A 401 also tells the app,
// which asks for a token again.
export async function request(method, path, body) {
  const headers = { Accept: 'application/json', Authorization: 'Bearer ' + (token.get() || '') };
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { code: 'network', message: 'the sidecar cannot be reached (' + e.message + ')' });
  }
  if (resp.status === 204) return null;
  const text = await resp.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(resp.status, { code: 'invalid_response', message: 'unexpected response: ' + text.slice(0, 200) });
    }
  }
  if (!resp.ok) {
    const err = new ApiError(resp.status, (data && data.error) || { message: `HTTP ${resp.status} ${resp.statusText}` });
    if (resp.status === 401) window.dispatchEvent(new CustomEvent('sequin:unauthorized', { detail: err }));
    throw err;
  }
  return data;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body);

// query builds "?a=1&b=2" from the non-empty values of params.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

// listAll follows next_cursor through a list endpoint, up to maxPages pages.
export async function listAll(path, params = {}, maxPages = 20) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const page = await get(path + query({ ...params, cursor }));
    out.push(...page.data);
    if (!page.has_more || !page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

let syncCache = { at: 0, list: null };

// syncs lists every sync, reusing a list younger than maxAgeMs.
export async function syncs(maxAgeMs = 3000) {
  if (syncCache.list && Date.now() - syncCache.at < maxAgeMs) return syncCache.list;
  const list = await listAll('/v1/syncs', { limit: 1000 });
  syncCache = { at: Date.now(), list };
  return list;
}

// rememberSyncs stores a freshly read list, so the other views need not read it again.
export function rememberSyncs(list) {
  syncCache = { at: Date.now(), list };
}
