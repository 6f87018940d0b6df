// The audience builder: tags as chips combined with AND, OR and NOT, and the
// audience's size, live, from POST /v1/audiences. A categorical tag is a term
// `tag = 'value'`; its values are suggested from the tag's field.

import * as api from './api.js';
import { el } from './catalog.js';
import { countMetric } from './filters.js';
import { lit } from './state.js';

// audienceExpr renders the terms as the API's audience expression. AND binds
// tighter than OR, as the expression language reads it; the text is shown.
export function audienceExpr(terms) {
  return terms.map((t, i) => {
    const term = t.value !== undefined ? `${t.tag} = ${lit(t.value, 'varchar')}` : t.tag;
    return (i ? ` ${t.op === 'OR' ? 'OR' : 'AND'} ` : '') + (t.not ? 'NOT ' : '') + term;
  }).join('');
}

const suggestions = new Map(); // tag → Promise of values

function values(tag, cat) {
  if (!suggestions.has(tag.name)) {
    const field = cat.field(tag.value);
    const cm = field && countMetric(cat, field, []);
    suggestions.set(tag.name, cm
      ? api.query({ metrics: [cm.name], dimensions: [tag.value], order: [`-${cm.name}`], limit: 200 })
        .then(({ result }) => result.rows.map((r) => r[0]).filter((v) => v !== null).map(String))
        .catch(() => [])
      : Promise.resolve([]));
  }
  return suggestions.get(tag.name);
}

export function renderAudience(state, cat, actions) {
  const box = document.getElementById('audience');
  const tags = cat.raw.tags || [];
  if (!tags.length) { box.hidden = true; return; }
  box.hidden = false;
  const terms = state.audience?.terms || [];
  const list = el('ol', { class: 'drop terms', 'data-drop': 'audience', 'aria-label': 'Audience terms' });
  terms.forEach((t, i) => {
    const tag = tags.find((x) => x.name === t.tag);
    const li = el('li', { class: 'chip tag' });
    if (i > 0) {
      const op = el('select', { 'aria-label': `Join term ${i + 1} with`, class: 'op' });
      for (const o of ['AND', 'OR']) op.append(el('option', { value: o, text: o, selected: (t.op || 'AND') === o }));
      op.addEventListener('change', () => actions.audience((a) => { a.terms[i].op = op.value; }));
      li.append(op);
    }
    const id = `term-not-${i}`;
    const not = el('input', { type: 'checkbox', id, checked: !!t.not });
    not.addEventListener('change', () => actions.audience((a) => { a.terms[i].not = not.checked; }));
    li.append(not, el('label', { for: id, text: 'NOT' }), el('span', { class: 'tagname', text: t.tag }));
    if (tag?.value) {
      const vid = `term-value-${i}`;
      const listId = `term-values-${i}`;
      const input = el('input', { type: 'text', id: vid, list: listId, value: t.value ?? '', size: '10', 'aria-label': `Value of ${t.tag}` });
      const dl = el('datalist', { id: listId });
      values(tag, cat).then((vs) => dl.replaceChildren(...vs.map((v) => el('option', { value: v }))));
      input.addEventListener('change', () => actions.audience((a) => { a.terms[i].value = input.value; }));
      li.append(el('span', { text: '=' }), input, dl);
    }
    const rm = el('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${t.tag} from the audience`, text: '×' });
    rm.addEventListener('click', () => actions.audience((a) => { a.terms.splice(i, 1); }));
    li.append(rm);
    list.append(li);
  });
  const add = el('select', { id: 'audience-add', 'aria-label': 'Add a tag to the audience' });
  add.append(el('option', { value: '', text: 'Add a tag…' }));
  for (const t of tags) add.append(el('option', { value: t.name, text: t.value ? `${t.name} (${t.value})` : t.name }));
  add.addEventListener('change', () => { if (add.value) actions.addTag(add.value); });
  box.replaceChildren(el('h2', { id: 'audience-title', text: 'Audience' }), list, el('div', { class: 'row' }, add),
    el('p', { id: 'audience-expr', class: 'expr', text: terms.length ? audienceExpr(terms) : 'Drag tags here, or pick one above.' }),
    el('p', { id: 'audience-size', class: 'size', role: 'status', 'aria-live': 'polite' }));
}

let seq = 0;

// runAudience asks for the audience's size and shows it with the tags' as-of.
export async function runAudience(state, showError) {
  const out = document.getElementById('audience-size');
  const terms = state.audience?.terms || [];
  if (!out) return;
  const ready = terms.filter((t) => t.value !== '');
  if (!terms.length || ready.length !== terms.length) { out.textContent = terms.length ? 'Give every categorical tag a value.' : ''; return; }
  const my = ++seq;
  const expr = audienceExpr(terms);
  try {
    const { text } = await fetchAudience(expr);
    if (my !== seq) return;
    const r = JSON.parse(text);
    const asOf = (r.tags || []).map((t) => `${t.name} as of ${t.as_of}${t.stale ? ' (stale)' : ''}`).join(', ');
    out.dataset.size = String(r.size);
    out.replaceChildren(el('b', { text: `${r.size.toLocaleString('en-US')} ${r.entity}` }),
      ` of ${r.population.toLocaleString('en-US')} (${(r.share * 100).toFixed(1)}%) · ${Number(r.took_ms).toFixed(1)} ms${asOf ? ' · ' + asOf : ''}`);
  } catch (err) {
    if (my !== seq) return;
    out.textContent = '';
    out.dataset.size = '';
    showError(err, { expr });
  }
}

function fetchAudience(expr) {
  return api.audience({ expr });
}
