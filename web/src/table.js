// The table view: a pivot of the result. Rows are the row fields' value
// tuples in the order the API returned them; columns are the column fields'
// tuples (sorted) times the metrics. Additive metrics (plain sums and counts)
// get totals, summed exactly on the decimal text.

import { el } from './catalog.js';
import { formatValue, sumExact } from './format.js';
import { dimName } from './state.js';

const key = (vals) => JSON.stringify(vals);
const MAX_ROWS = 2000;
const MAX_COLS = 200;
export function cellText(v) {
  if (v === null || v === undefined) return '∅';
  return typeof v === 'object' ? v.s : String(v);
}

// pivot indexes a result by row and column tuples.
export function pivot(result, state) {
  const idx = new Map(result.columns.map((c, i) => [c.name, i]));
  const rowDims = state.rows.map(dimName), colDims = state.cols.map(dimName);
  const metrics = state.values.filter((m) => idx.has(m));
  const rowKeys = new Map(), colKeys = new Map(), cells = new Map();
  for (const row of result.rows) {
    const rk = rowDims.map((d) => cellText(row[idx.get(d)]));
    const ck = colDims.map((d) => cellText(row[idx.get(d)]));
    rowKeys.set(key(rk), rk);
    colKeys.set(key(ck), ck);
    for (const m of metrics) cells.set(key([rk, ck, m]), row[idx.get(m)]);
  }
  const cols = [...colKeys.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { rowDims, colDims, metrics, rows: [...rowKeys.values()], cols, get: (rk, ck, m) => cells.get(key([rk, ck, m])), column: (n) => result.columns[idx.get(n)] };
}

// dimLabel names a dimension by its field's label, with its grain.
export function dimLabel(name, cat) {
  const m = /^(.*)\.(hour|day|week|month|quarter|year)$/.exec(name);
  if (m && cat.field(m[1])) return `${cat.label(m[1])} (${m[2]})`;
  return cat.label(name);
}

export function renderTable(root, result, state, cat) {
  const p = pivot(result, state);
  if (!p.metrics.length) { root.replaceChildren(el('p', { class: 'empty', text: 'The result has no metric columns.' })); return; }
  const meta = (m) => p.column(m) || {};
  const additive = (m) => !!cat.metric(m)?.additive;
  const anyAdditive = p.metrics.some(additive);
  const table = el('table', { class: 'pivot', 'data-rows': String(result.rows.length) });
  table.append(el('caption', { class: 'sr-only', text: `${p.metrics.map((m) => cat.label(m)).join(', ')}${p.rowDims.length ? ' by ' + p.rowDims.join(', ') : ''}${p.colDims.length ? ' across ' + p.colDims.join(', ') : ''}` }));
  const shownCols = p.cols.slice(0, MAX_COLS);
  const thead = el('thead');
  // One header row per column field, then one naming the metrics.
  p.colDims.forEach((cd, level) => {
    const tr = el('tr');
    tr.append(el('th', { scope: 'col', colspan: String(Math.max(1, p.rowDims.length)), text: dimLabel(cd, cat) }));
    for (const ck of shownCols) tr.append(el('th', { scope: 'colgroup', colspan: String(p.metrics.length), text: ck[level] }));
    if (anyAdditive) tr.append(el('th', { scope: 'colgroup', class: 'total', colspan: String(p.metrics.filter(additive).length), text: level === 0 ? 'Total' : '' }));
    thead.append(tr);
  });
  const hr = el('tr');
  for (const rd of p.rowDims) hr.append(el('th', { scope: 'col', text: dimLabel(rd, cat) }));
  if (!p.rowDims.length) hr.append(el('th', { scope: 'col', text: 'Rows' }));
  for (const _ of shownCols) for (const m of p.metrics) hr.append(el('th', { scope: 'col', text: cat.label(m) }));
  if (p.colDims.length && anyAdditive) for (const m of p.metrics.filter(additive)) hr.append(el('th', { scope: 'col', class: 'total', text: cat.label(m) }));
  thead.append(hr);
  table.append(thead);

  const cell = (v, m, extra = {}) => el('td', { class: `num${extra.total ? ' total' : ''}`, 'data-metric': m, 'data-value': v === null || v === undefined ? '' : cellText(v), ...extra.attrs, text: formatValue(v, meta(m).format, meta(m).type) });
  const tbody = el('tbody');
  // A page of DOM rows stays responsive; beyond it the CSV has everything.
  const shownRows = p.rows.slice(0, MAX_ROWS);
  for (const rk of shownRows) {
    const tr = el('tr');
    if (p.rowDims.length) rk.forEach((v) => tr.append(el('th', { scope: 'row', text: v })));
    else tr.append(el('th', { scope: 'row', text: 'All' }));
    for (const ck of shownCols) for (const m of p.metrics) tr.append(cell(p.get(rk, ck, m), m, { attrs: { 'data-row': key(rk), 'data-col': key(ck) } }));
    if (p.colDims.length && anyAdditive) for (const m of p.metrics.filter(additive)) tr.append(cell(sumExact(p.cols.map((ck) => p.get(rk, ck, m))), m, { total: true, attrs: { 'data-row': key(rk), 'data-col': 'total' } }));
    tbody.append(tr);
  }
  table.append(tbody);
  if (anyAdditive && p.rows.length > 1) {
    const tr = el('tr', { class: 'total' });
    tr.append(el('th', { scope: 'row', colspan: String(Math.max(1, p.rowDims.length)), text: state.limit && result.rows.length >= state.limit ? 'Total of the rows shown' : 'Total' }));
    for (const ck of shownCols) for (const m of p.metrics) tr.append(additive(m) ? cell(sumExact(p.rows.map((rk) => p.get(rk, ck, m))), m, { total: true, attrs: { 'data-row': 'total', 'data-col': key(ck) } }) : el('td', { text: '' }));
    if (p.colDims.length) for (const m of p.metrics.filter(additive)) tr.append(cell(sumExact(p.rows.flatMap((rk) => p.cols.map((ck) => p.get(rk, ck, m)))), m, { total: true, attrs: { 'data-row': 'total', 'data-col': 'total' } }));
    table.append(el('tfoot', {}, tr));
  }
  root.replaceChildren(table);
  if (p.cols.length > MAX_COLS) {
    root.append(el('p', { class: 'empty', role: 'note', text: `Showing the first ${MAX_COLS} of ${p.cols.length.toLocaleString('en-US')} columns; row totals cover all of them. Move a field to rows, or download the CSV.` }));
  }
  if (p.rows.length > MAX_ROWS) {
    root.append(el('p', { class: 'empty', role: 'note', text: `Showing the first ${MAX_ROWS.toLocaleString('en-US')} of ${p.rows.length.toLocaleString('en-US')} rows; totals cover all of them. Set a limit, or download the CSV.` }));
  }
}
