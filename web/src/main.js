// The explorer page: loads the catalog, keeps the state in the URL, runs the
// state's metric query on every change and renders it with its trust badge.
// window.strataPerf records, in the page's own clock, the first render and,
// per interaction, the time from the drop (or key) to the rendered result
// with the query's round trip reported separately.

import * as api from './api.js';
import { Catalog, el, renderCatalog } from './catalog.js';
import { renderShelves, wireInteractions, closeMenu } from './shelves.js';
import { openEditor, newFilter } from './filters.js';
import { renderTable } from './table.js';

// The chart module (and ECharts with it) loads on the first chart.
let chartMod = null;
const loadChart = () => (chartMod ??= import('./chart.js'));
function disposeChart() { chartMod?.then((m) => m.disposeChart()); }
import { dimName, fromURL, toQuery, toURL } from './state.js';
import { renderAudience, runAudience } from './audience.js';

const $ = (id) => document.getElementById(id);
const perf = (window.strataPerf = { start: performance.now(), firstRender: null, interactions: [] });
let cat = null;
let state = fromURL(location);
let pending = null; // the interaction being timed
let seq = 0; // answers to superseded queries are dropped
let lastResult = null;

function announce(msg) { $('announce').textContent = msg; }

function markInteraction() { if (!pending) pending = { t0: performance.now() }; }

function commit(next, { push = true } = {}) {
  state = next;
  if (push) {
    const url = toURL(state);
    if (url !== location.pathname + location.search) history.pushState(null, '', url);
  }
  renderAll();
}

function mutate(fn) {
  markInteraction();
  const next = structuredClone(state);
  fn(next);
  commit(next);
}

const actions = {
  announce,
  markInteraction,
  add(name, shelf) {
    const isMetric = !!cat.metric(name);
    if (isMetric && (shelf === 'rows' || shelf === 'cols')) { announce(`${cat.label(name)} is a metric: added to values.`); shelf = 'values'; }
    if (!isMetric && shelf === 'values') { showError({ code: 'not_a_metric', message: `${name} is a field: drop it on rows, columns or filters; values hold metrics.` }); return; }
    let editIndex = -1;
    mutate((s) => {
      if (shelf === 'values') { if (!s.values.includes(name)) s.values.push(name); return; }
      if (shelf === 'filters') { s.filters.push(newFilter(name, cat)); editIndex = s.filters.length - 1; return; }
      for (const other of ['rows', 'cols']) s[other] = s[other].filter((d) => d.f !== name);
      const f = cat.field(name);
      const d = { f: name };
      if (f?.grains?.length) d.g = f.grains.includes('month') ? 'month' : f.grains[0];
      s[shelf].push(d);
    });
    announce(`${cat.label(name)} added to ${shelf === 'cols' ? 'columns' : shelf}.`);
    if (editIndex >= 0) actions.editFilter(editIndex);
  },
  remove(shelf, i) { mutate((s) => { s[shelf].splice(i, 1); }); announce(`Removed from ${shelf}.`); $('search').focus(); },
  move(from, i, to) {
    const entry = state[from][i];
    if (!entry) return;
    const name = from === 'values' ? entry : entry.f;
    if (to === 'filters' || to === 'values' || from === 'filters' || from === 'values') {
      if (from === 'filters') return; // a filter stays a filter; drop a field again to group by it
      actions.add(name, to);
      return;
    }
    mutate((s) => { const [e] = s[from].splice(i, 1); s[to].push(e); });
  },
  reorder(shelf, i, delta) {
    const j = i + delta;
    if (j < 0 || j >= state[shelf].length) return;
    mutate((s) => { const [e] = s[shelf].splice(i, 1); s[shelf].splice(j, 0, e); });
  },
  setGrain(shelf, i, g) { mutate((s) => { s[shelf][i].g = g; }); },
  // audience edits the audience's terms; no terms, no audience.
  audience(fn) {
    mutate((s) => {
      s.audience = s.audience || { terms: [] };
      fn(s.audience);
      if (!s.audience.terms.length) s.audience = null;
    });
  },
  addTag(name, { not = false, op = 'AND' } = {}) {
    const tag = (cat.raw.tags || []).find((t) => t.name === name);
    if (!tag) return;
    actions.audience((a) => { a.terms.push(tag.value ? { tag: name, op, not, value: '' } : { tag: name, op, not }); });
    announce(`${name} added to the audience.`);
    if (tag.value) document.querySelector(`#term-value-${state.audience.terms.length - 1}`)?.focus();
  },
  filterOn(shelf, i) { actions.add(state[shelf][i].f, 'filters'); },
  editFilter(i) {
    openEditor(i, state, cat, {
      apply: (idx, flt) => mutate((s) => { s.filters[idx] = flt; }),
      remove: (idx) => mutate((s) => { s.filters.splice(idx, 1); }),
    });
  },
};

function showError(err, q) {
  const box = $('error');
  box.replaceChildren(el('strong', { text: `${err.code || 'error'}: ` }), err.message || String(err));
  const pos = err.position;
  if (pos) {
    const where = pos.field ? `in ${pos.field}` : '';
    box.append(el('div', { class: 'pos', text: `${where}${pos.offset !== undefined ? `, at character ${pos.offset + 1}` : ''}` }));
    const text = q && ['where', 'having', 'expr'].includes(pos.field) ? q[pos.field] : null;
    if (text && pos.offset !== undefined) box.append(el('pre', { class: 'caret', text: `${text}\n${' '.repeat(pos.offset)}^` }));
  }
  if (err.status === 401) {
    const input = el('input', { type: 'password', id: 'token', 'aria-label': 'API token' });
    const b = el('button', { type: 'button', text: 'Use token' });
    b.addEventListener('click', () => { api.setToken(input.value); box.hidden = true; start(); });
    box.append(el('div', { class: 'row' }, input, b));
  }
  box.hidden = false;
}

function renderControls() {
  const sort = $('sort');
  const opts = [['', 'API order']];
  for (const m of state.values) opts.push([`-${m}`, `${cat.label(m)} ↓`], [m, `${cat.label(m)} ↑`]);
  for (const d of [...state.rows, ...state.cols]) opts.push([dimName(d), `${dimName(d)} ↑`], [`-${dimName(d)}`, `${dimName(d)} ↓`]);
  const cur = state.sort ? (state.sort.desc ? '-' : '') + state.sort.by : '';
  sort.replaceChildren(...opts.map(([v, t]) => el('option', { value: v, text: t, selected: v === cur })));
  $('limit').value = state.limit ? String(state.limit) : '';
  $('view-table').setAttribute('aria-pressed', String(state.view !== 'chart'));
  $('view-chart').setAttribute('aria-pressed', String(state.view === 'chart'));
}

function badge(meta, fetchMs) {
  const asOf = meta.freshness ? new Date(meta.freshness).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'current (raw tables)';
  return el('span', { class: 'badge', id: 'badge', 'data-served-by': meta.served_by, 'data-took-ms': String(meta.took_ms), 'data-cached': String(!!meta.cached) },
    el('span', {}, 'served by ', el('b', { text: meta.served_by })),
    el('span', { text: meta.cached ? `from the result cache, ${fetchMs.toFixed(0)} ms round trip` : `${Number(meta.took_ms).toFixed(1)} ms in the engine, ${fetchMs.toFixed(0)} ms round trip` }),
    el('span', { text: `data as of ${asOf}` }));
}

async function renderResult() {
  const root = $('result');
  if (!lastResult) return;
  if (state.view === 'chart') {
    const result = lastResult;
    const m = await loadChart();
    if (result === lastResult) m.renderChart(root, result, state, cat);
  } else { disposeChart(); renderTable(root, lastResult, state, cat); }
}

async function runQuery() {
  const my = ++seq;
  $('error').hidden = true;
  if (!state.values.length) {
    lastResult = null;
    disposeChart();
    $('result').replaceChildren(el('p', { class: 'empty', text: 'Drop a metric on Values to see numbers (or focus a metric and press Enter).' }));
    $('status').replaceChildren();
    return finish(0);
  }
  const q = toQuery(state, cat);
  $('status').textContent = 'Running…';
  try {
    const { result, fetchMs } = await api.query(q);
    if (my !== seq) return;
    lastResult = result;
    await renderResult();
    $('status').replaceChildren(badge(result.meta, fetchMs), ` ${result.rows.length} rows`);
    if (!$('sql-panel').hidden) loadSQL();
    finish(fetchMs);
  } catch (err) {
    if (my !== seq) return;
    lastResult = null;
    disposeChart();
    $('status').replaceChildren();
    $('result').replaceChildren();
    showError(err, q);
    finish(0);
  }
}

// finish records timings after the browser has laid out and painted.
function finish(fetchMs) {
  requestAnimationFrame(() => setTimeout(() => {
    const now = performance.now();
    if (perf.firstRender === null) {
      perf.firstRender = now;
      // Fetch the chart module while the page is idle, so the first chart
      // does not wait for it.
      (window.requestIdleCallback || setTimeout)(() => loadChart().then((m) => (window.requestIdleCallback || setTimeout)(() => m.warm())));
    }
    if (pending) {
      const total = now - pending.t0;
      perf.interactions.push({ total, fetch: fetchMs, overhead: total - fetchMs });
      pending = null;
    }
    document.body.dataset.ready = String(seq);
  }, 0));
}

async function loadSQL() {
  const panel = $('sql-panel');
  if (!state.values.length) { panel.replaceChildren(el('p', { text: 'No query yet.' })); return; }
  try {
    const x = await api.explain(toQuery(state, cat));
    const ul = el('ul', { class: 'verdicts' });
    for (const r of x.rollups) ul.append(el('li', { class: r.used ? 'used' : '' , text: r.used ? `${r.rollup}: used${r.part ? ' for ' + r.part : ''} (${r.rows} rows)` : `${r.rollup}: ${r.reason}` }));
    panel.replaceChildren(el('h2', { text: `Served by ${x.served_by}` }), el('h3', { text: 'Rollups' }), ul, el('h3', { text: 'SQL' }), el('pre', { id: 'sql-text', text: x.sql }));
  } catch (err) {
    panel.replaceChildren(el('p', { text: `explain: ${err.message}` }));
  }
}

function renderAll() {
  closeMenu();
  // The controls are drawn anew; the focus stays on the one of the same id.
  const focusId = document.activeElement?.id;
  $('project').textContent = cat.raw.name ? `· ${cat.raw.name}` : '';
  renderCatalog($('catalog'), cat, state, $('search').value.trim());
  renderShelves(state, cat, actions);
  renderAudience(state, cat, actions);
  renderControls();
  runQuery();
  runAudience(state, showError);
  if (focusId && document.activeElement?.id !== focusId) document.getElementById(focusId)?.focus();
}

function wireControls() {
  $('search').addEventListener('input', () => renderCatalog($('catalog'), cat, state, $('search').value.trim()));
  $('search').addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || (e.key === 'Enter' && !e.isComposing)) {
      const first = $('catalog').querySelector('button.item');
      if (first) { first.focus(); e.preventDefault(); if (e.key === 'Enter') first.click(); }
    }
  });
  $('catalog').addEventListener('keydown', (e) => {
    const step = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity }[e.key];
    if (step === undefined) return;
    const items = [...$('catalog').querySelectorAll('button.item')];
    const i = items.indexOf(document.activeElement);
    if (i < 0) return;
    items[Math.min(items.length - 1, Math.max(0, i + step))].focus();
    e.preventDefault();
  });
  $('sort').addEventListener('change', (e) => {
    const v = e.target.value;
    mutate((s) => { s.sort = v ? { by: v.replace(/^-/, ''), desc: v.startsWith('-') } : null; });
  });
  $('limit').addEventListener('change', (e) => {
    const n = parseInt(e.target.value, 10);
    mutate((s) => { s.limit = n > 0 ? n : null; });
  });
  $('view-table').addEventListener('click', () => mutate((s) => { s.view = 'table'; }));
  $('view-chart').addEventListener('click', () => mutate((s) => { s.view = 'chart'; }));
  $('show-sql').addEventListener('click', () => {
    const panel = $('sql-panel');
    panel.hidden = !panel.hidden;
    $('show-sql').setAttribute('aria-expanded', String(!panel.hidden));
    $('show-sql').textContent = panel.hidden ? 'Show SQL' : 'Hide SQL';
    if (!panel.hidden) loadSQL();
  });
  $('csv').addEventListener('click', async () => {
    if (!state.values.length) { announce('Nothing to download yet.'); return; }
    try {
      const text = await api.csv(toQuery(state, cat));
      const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      const a = el('a', { href: url, download: `${state.values.join('_')}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) { showError(err); }
  });
  window.addEventListener('popstate', () => commit(fromURL(location), { push: false }));
}

async function start() {
  try {
    const t0 = performance.now();
    cat = new Catalog(await api.catalog());
    perf.catalog = { start: t0, ms: performance.now() - t0 };
  } catch (err) {
    showError(err);
    return;
  }
  renderAll();
}

wireInteractions({ metric: (n) => cat?.metric(n), label: (n) => cat?.label(n) ?? n }, actions);
wireControls();
start();
