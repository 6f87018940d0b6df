// Filter editors by type: a values list with counts for low-cardinality
// fields (fetched with the fact's row count metric), ranges and relative
// periods for time, comparisons for numbers and for metrics (having).

import { el } from './catalog.js';
import * as api from './api.js';
import { formatValue } from './format.js';

const LOW_CARDINALITY = 50;

export function isNumeric(type) { return /^(big|small|tiny|huge)?int|^integer|^decimal|^double|^float|^real/.test(type || ''); }
export function isTemporal(type) { return /^(date|timestamp)/.test(type || ''); }

// newFilter is the filter a field or metric starts with on the filters shelf.
export function newFilter(name, cat) {
  if (cat.metric(name)) return { f: name, kind: 'cmp', op: '>', value: '' };
  const f = cat.field(name);
  if (isTemporal(f?.type)) return { f: name, kind: 'range', from: '', to: '' };
  if (isNumeric(f?.type)) return { f: name, kind: 'cmp', op: '>=', value: '' };
  return { f: name, kind: 'in', values: [], exclude: false };
}

// countMetric picks a metric counting every row of one of the field's facts
// (preferring the chosen metrics' facts), for the values list's counts.
export function countMetric(cat, field, chosen) {
  const facts = new Set(chosen.flatMap((m) => cat.metric(m)?.facts || []));
  const counts = cat.metrics.filter((m) => m.kind === 'simple' && m.agg === 'count' && m.facts.length === 1 && field.facts.includes(m.facts[0]));
  const rank = (m) => (m.filtered ? 2 : 0) + (facts.size && !facts.has(m.facts[0]) ? 1 : 0);
  counts.sort((a, b) => rank(a) - rank(b));
  return counts[0] || null;
}

function inEditor(box, flt, cat, state) {
  const field = cat.field(flt.f);
  const cm = countMetric(cat, field, state.values);
  const list = el('div', { class: 'values', role: 'group', 'aria-label': `Values of ${cat.label(flt.f)}` });
  const chosen = new Set((flt.values || []).map((v) => JSON.stringify(v)));
  const manual = el('input', { type: 'text', id: 'filter-manual', 'aria-label': 'Values, separated by commas', placeholder: 'values, comma separated', value: (flt.values || []).filter((v) => v !== null).join(', ') });
  const exclude = el('input', { type: 'checkbox', id: 'filter-exclude', checked: !!flt.exclude });
  box.append(el('div', { class: 'row' }, exclude, el('label', { for: 'filter-exclude', text: 'exclude these values' })));
  box.append(list);
  const status = el('p', { class: 'count', text: cm ? `Loading values (counted by ${cm.label || cm.name})…` : 'Loading values…' });
  box.append(status);
  let listed = false;
  const q = cm ? { metrics: [cm.name], dimensions: [flt.f], order: [`-${cm.name}`], limit: LOW_CARDINALITY + 1 }
    : { metrics: [state.values[0]].filter(Boolean), dimensions: [flt.f], limit: LOW_CARDINALITY + 1 };
  const load = q.metrics.length ? api.query(q) : Promise.reject(new Error('add a metric first'));
  load.then(({ result }) => {
    if (result.rows.length > LOW_CARDINALITY) {
      status.textContent = `More than ${LOW_CARDINALITY} values: type them below.`;
      box.append(el('div', { class: 'row' }, manual));
      return;
    }
    listed = true;
    status.textContent = cm ? `Counts: ${cm.label || cm.name}` : '';
    result.rows.forEach((row, i) => {
      const v = row[0] instanceof api.Dec ? row[0].s : row[0];
      const id = `fv-${i}`;
      const cb = el('input', { type: 'checkbox', id, 'data-value': JSON.stringify(v), checked: chosen.has(JSON.stringify(v)) });
      // Without a row count metric the values come from the chosen metric's
      // query, and no count is claimed.
      list.append(el('label', { for: id }, cb, ` ${v === null ? '∅ (none)' : v} `, cm ? el('span', { class: 'count', text: formatValue(row[1], 'integer') }) : null));
    });
  }).catch((err) => {
    status.textContent = `Values not listed (${err.message}); type them below.`;
    box.append(el('div', { class: 'row' }, manual));
  });
  return () => {
    flt.exclude = exclude.checked;
    if (listed) flt.values = [...list.querySelectorAll('input:checked')].map((c) => JSON.parse(c.dataset.value));
    else flt.values = manual.value.split(',').map((s) => s.trim()).filter(Boolean);
  };
}

function timeEditor(box, flt) {
  const mode = flt.kind;
  const rRange = el('input', { type: 'radio', name: 'tmode', id: 'tmode-range', value: 'range', checked: mode === 'range' });
  const rRel = el('input', { type: 'radio', name: 'tmode', id: 'tmode-rel', value: 'relative', checked: mode === 'relative' });
  const from = el('input', { type: 'date', id: 'filter-from', value: flt.from || '' });
  const to = el('input', { type: 'date', id: 'filter-to', value: flt.to || '' });
  const n = el('input', { type: 'number', id: 'filter-n', min: '1', value: String(flt.n || 3) });
  const unit = el('select', { id: 'filter-unit', 'aria-label': 'Period' });
  for (const u of ['day', 'week', 'month', 'quarter', 'year']) unit.append(el('option', { value: u, text: `${u}s`, selected: (flt.unit || 'month') === u }));
  box.append(el('div', { class: 'row' }, rRange, el('label', { for: 'tmode-range', text: 'Between' }),
    el('label', { for: 'filter-from', text: 'from' }), from, el('label', { for: 'filter-to', text: 'to (inclusive)' }), to));
  box.append(el('div', { class: 'row' }, rRel, el('label', { for: 'tmode-rel', text: 'The last' }),
    el('label', { for: 'filter-n', class: 'sr-only', text: 'How many periods' }), n, unit, el('span', { class: 'count', text: 'the current one included' })));
  return () => {
    if (rRel.checked) Object.assign(flt, { kind: 'relative', n: Number(n.value) || 1, unit: unit.value, from: undefined, to: undefined });
    else Object.assign(flt, { kind: 'range', from: from.value, to: to.value, n: undefined, unit: undefined });
  };
}

function cmpEditor(box, flt, cat) {
  const op = el('select', { id: 'filter-op', 'aria-label': 'Comparison' });
  for (const o of ['=', '!=', '<', '<=', '>', '>=', 'between']) op.append(el('option', { value: o, text: o, selected: flt.op === o }));
  const v1 = el('input', { type: 'number', step: 'any', id: 'filter-value', 'aria-label': 'Value', value: flt.value ?? '' });
  const v2 = el('input', { type: 'number', step: 'any', id: 'filter-value2', 'aria-label': 'Upper value', value: flt.value2 ?? '', hidden: flt.op !== 'between' });
  op.addEventListener('change', () => { v2.hidden = op.value !== 'between'; });
  box.append(el('div', { class: 'row' }, el('span', { text: cat.label(flt.f) }), op, v1, v2));
  return () => Object.assign(flt, { op: op.value, value: v1.value, value2: op.value === 'between' ? v2.value : undefined });
}

// openEditor shows the editor of state.filters[index]; apply commits it.
export function openEditor(index, state, cat, { apply, remove }) {
  const box = document.getElementById('filter-editor');
  const flt = structuredClone(state.filters[index]);
  const field = cat.field(flt.f);
  box.replaceChildren(el('h2', { id: 'filter-title', text: `Filter: ${cat.label(flt.f)}${cat.metric(flt.f) ? ' (on the aggregated metric)' : ''}` }));
  box.setAttribute('role', 'group');
  box.setAttribute('aria-labelledby', 'filter-title');
  let commit;
  if (cat.metric(flt.f) || flt.kind === 'cmp') commit = cmpEditor(box, flt, cat);
  else if (isTemporal(field?.type)) commit = timeEditor(box, flt);
  else commit = inEditor(box, flt, cat, state);
  const ok = el('button', { type: 'button', id: 'filter-apply', text: 'Apply filter' });
  const rm = el('button', { type: 'button', id: 'filter-remove', text: 'Remove filter' });
  const cancel = el('button', { type: 'button', id: 'filter-cancel', text: 'Close' });
  ok.addEventListener('click', () => { commit(); box.hidden = true; apply(index, flt); });
  rm.addEventListener('click', () => { box.hidden = true; remove(index); });
  cancel.addEventListener('click', () => { box.hidden = true; });
  box.onkeydown = (e) => { if (e.key === 'Escape') box.hidden = true; };
  box.append(el('div', { class: 'row' }, ok, rm, cancel));
  box.hidden = false;
  box.querySelector('input, select')?.focus();
}
