// The fields panel: the wide tables' fields grouped by table instance (a
// role's own group), then the metrics; search; and availability — a field the
// chosen metrics' facts cannot reach, or a metric whose facts cannot reach the
// chosen fields, is shown disabled with the reason.

export class Catalog {
  constructor(raw) {
    this.raw = raw;
    this.fields = raw.fields || [];
    this.metrics = raw.metrics || [];
    this.wide = raw.wide_tables || [];
    this.byField = new Map(this.fields.map((f) => [f.name, f]));
    this.byMetric = new Map(this.metrics.map((m) => [m.name, m]));
  }

  field(name) { return this.byField.get(name); }
  metric(name) { return this.byMetric.get(name); }

  label(name) {
    const m = this.metric(name);
    if (m) return m.label || m.name;
    const f = this.field(name);
    return f ? f.label || f.name : name;
  }

  // fieldProblem says why a field cannot join the chosen metrics, or ''.
  fieldProblem(name, metrics) {
    const f = this.field(name);
    if (!f) return 'not in the catalog';
    for (const mn of metrics) {
      const m = this.metric(mn);
      if (!m) continue;
      const missing = m.facts.filter((fact) => !f.facts.includes(fact));
      if (missing.length) return `${m.label || m.name} is measured on ${missing.join(', ')}, whose wide table does not reach ${f.table}`;
    }
    return '';
  }

  // metricProblem says why a metric cannot be grouped by the chosen fields, or ''.
  metricProblem(name, fields) {
    const m = this.metric(name);
    if (!m) return 'not in the catalog';
    for (const fn of fields) {
      const f = this.field(fn);
      if (!f) continue;
      const missing = m.facts.filter((fact) => !f.facts.includes(fact));
      if (missing.length) return `${missing.join(', ')} does not reach ${fn}`;
    }
    return '';
  }

  // groups lists table instances in the order the wide tables reach them,
  // each with its fields and its join path from the first fact that reaches it.
  groups() {
    const seen = new Map();
    for (const w of this.wide) {
      for (const t of w.tables) {
        if (seen.has(t.alias)) continue;
        const path = t.join_path && t.join_path.length ? t.join_path.join(', ') : '(fact)';
        seen.set(t.alias, { name: t.alias, table: t.table, role: !!t.role, path, fact: w.fact, fields: [] });
      }
    }
    for (const f of this.fields) {
      if (!seen.has(f.table)) seen.set(f.table, { name: f.table, table: f.source_table, path: '', fields: [] });
      seen.get(f.table).fields.push(f);
    }
    return [...seen.values()].filter((g) => g.fields.length);
  }
}

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k) e.append(k);
  return e;
}
export { el };

function matches(q, ...texts) {
  if (!q) return true;
  const s = q.toLowerCase();
  return texts.some((t) => t && t.toLowerCase().includes(s));
}

// renderCatalog draws the panel for the current state and search text.
export function renderCatalog(root, cat, state, search) {
  const chosenFields = [...state.rows, ...state.cols].map((d) => d.f).concat(state.filters.map((f) => f.f).filter((n) => cat.field(n)));
  const frag = document.createDocumentFragment();
  const metrics = cat.metrics.filter((m) => matches(search, m.name, m.label, m.description));
  if (metrics.length) {
    frag.append(el('h2', { text: 'Metrics' }));
    const ul = el('ul');
    for (const m of metrics) {
      const why = cat.metricProblem(m.name, chosenFields);
      const btn = el('button', {
        type: 'button', class: 'item metric', 'data-name': m.name, 'data-kind': 'metric',
        'aria-haspopup': 'menu', 'aria-disabled': why ? 'true' : null,
        title: [m.name, m.description, m.format && `format: ${m.format}`].filter(Boolean).join(' — '),
      },
      el('span', { class: 'label', text: m.label || m.name }),
      el('span', { class: 'type', text: m.format || m.type }));
      if (m.label) btn.append(el('span', { class: 'desc', text: m.name }));
      if (why) btn.append(el('span', { class: 'why', text: `Unavailable: ${why}` }));
      ul.append(el('li', {}, btn));
    }
    frag.append(ul);
  }
  const groups = cat.groups();
  let header = false;
  for (const g of groups) {
    const fields = g.fields.filter((f) => matches(search, f.name, f.label, f.description));
    if (!fields.length) continue;
    if (!header) { frag.append(el('h2', { text: 'Fields' })); header = true; }
    const h = el('h3', {}, g.role ? `${g.name} (role of ${g.table})` : g.name);
    h.append(el('span', { class: 'path', text: g.path && g.path !== '(fact)' ? `via ${g.path}` : g.path === '(fact)' ? `fact: ${g.fact}` : '' }));
    frag.append(h);
    const ul = el('ul');
    for (const f of fields) {
      const why = cat.fieldProblem(f.name, state.values);
      const col = f.name.slice(f.name.indexOf('.') + 1);
      const btn = el('button', {
        type: 'button', class: 'item field', 'data-name': f.name, 'data-kind': 'field',
        'aria-haspopup': 'menu', 'aria-disabled': why ? 'true' : null,
        title: [f.name, f.description, `reached by ${f.facts.join(', ')}`].filter(Boolean).join(' — '),
      },
      el('span', { class: 'label', text: f.label || col }),
      el('span', { class: 'type', text: f.type + (f.computed ? ' ƒ' : '') }));
      if (f.description) btn.append(el('span', { class: 'desc', text: f.description }));
      if (why) btn.append(el('span', { class: 'why', text: `Unavailable: ${why}` }));
      ul.append(el('li', {}, btn));
    }
    frag.append(ul);
  }
  const tags = (cat.raw.tags || []).filter((t) => matches(search, t.name, t.value, t.entity));
  if (tags.length) {
    frag.append(el('h2', { text: 'Tags' }));
    const ul = el('ul');
    for (const t of tags) {
      ul.append(el('li', {}, el('button', {
        type: 'button', class: 'item tag', 'data-name': t.name, 'data-kind': 'tag', 'aria-haspopup': 'menu',
        title: `${t.name}: ${t.value ? `one set per ${t.value}` : 'a set'} of ${t.entity}`,
      }, el('span', { class: 'label', text: t.name }), el('span', { class: 'type', text: t.value ? `= ${t.value}` : t.entity }))));
    }
    frag.append(ul);
  }
  if (!frag.childNodes.length) frag.append(el('p', { class: 'empty', text: `Nothing matches “${search}”.` }));
  root.replaceChildren(frag);
}
