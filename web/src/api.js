// The DataAPI as the page uses it. Numbers in results keep their JSON source
// text (Dec), so money is shown and summed exactly, never through float64.

export class Dec {
  constructor(s) { this.s = s; this.n = Number(s); }
  toString() { return this.s; }
}

// ApiError carries the API's {code, message, position}.
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || 'http';
    this.position = body?.position || null;
  }
}

const TOKEN_KEY = 'strata.token';

export function setToken(t) { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); }

function headers(extra) {
  const h = { 'Content-Type': 'application/json', ...extra };
  const t = sessionStorage.getItem(TOKEN_KEY);
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

// parseExact parses JSON, turning every number into a Dec that keeps its
// source text (JSON.parse source access; String(v) where a browser lacks it).
export function parseExact(text) {
  return JSON.parse(text, function (k, v, ctx) {
    return typeof v === 'number' ? new Dec(ctx && ctx.source !== undefined ? ctx.source : String(v)) : v;
  });
}

async function call(method, path, body, accept) {
  const res = await fetch(path, { method, headers: headers(accept ? { Accept: accept } : {}), body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) {
    let err = null;
    try { err = JSON.parse(text).error; } catch { /* not JSON: keep the status */ }
    throw new ApiError(res.status, err || { message: text.slice(0, 200) || res.statusText });
  }
  return { res, text };
}

export async function catalog() {
  const { text } = await call('GET', '/v1/catalog');
  return JSON.parse(text);
}

// query runs a metric query; took is the round trip measured in the page.
export async function query(q) {
  const t0 = performance.now();
  const { text } = await call('POST', '/v1/query', q);
  const r = parseExact(text);
  const took = performance.now() - t0;
  r.meta.took_ms = r.meta.took_ms instanceof Dec ? r.meta.took_ms.n : r.meta.took_ms;
  return { result: r, fetchMs: took };
}

export async function explain(q) {
  const { text } = await call('POST', '/v1/explain', q);
  return JSON.parse(text);
}

// audience answers POST /v1/audiences; the caller parses the body.
export async function audience(req) {
  return call('POST', '/v1/audiences', req);
}

export async function csv(q) {
  const { text } = await call('POST', '/v1/query', q, 'text/csv');
  return text;
}
