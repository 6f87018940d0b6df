// The explorer's state — shelves, filters, sort, limit, view — and the metric
// query it means. The state lives in the URL (?q=…), so a view is a link and
// back/forward step through the views.

export function emptyState() {
  return { values: [], rows: [], cols: [], filters: [], sort: null, limit: null, view: 'table', audience: null };
}

// dimName is a shelf entry's query name: the field, with its grain for time.
export function dimName(d) { return d.g ? `${d.f}.${d.g}` : d.f; }

export function fromURL(loc) {
  const raw = new URLSearchParams(loc.search).get('q');
  if (!raw) return emptyState();
  try {
    // A link is input: keep only entries of the shapes the page builds.
    const s = { ...emptyState(), ...JSON.parse(raw) };
    const dim = (d) => d && typeof d === 'object' && typeof d.f === 'string' && (d.g === undefined || typeof d.g === 'string');
    s.values = Array.isArray(s.values) ? s.values.filter((v) => typeof v === 'string') : [];
    s.rows = Array.isArray(s.rows) ? s.rows.filter(dim) : [];
    s.cols = Array.isArray(s.cols) ? s.cols.filter(dim) : [];
    s.filters = Array.isArray(s.filters) ? s.filters.filter((f) => f && typeof f === 'object' && typeof f.f === 'string' && ['in', 'range', 'relative', 'cmp'].includes(f.kind))
      .map((f) => (f.kind === 'in' && !Array.isArray(f.values) ? { ...f, values: [] } : f)) : [];
    if (!(s.sort && typeof s.sort.by === 'string')) s.sort = null;
    s.limit = Number.isInteger(s.limit) && s.limit > 0 ? s.limit : null;
    s.view = s.view === 'chart' ? 'chart' : 'table';
    const terms = Array.isArray(s.audience?.terms) ? s.audience.terms.filter((t) => t && typeof t.tag === 'string' && (t.value === undefined || typeof t.value === 'string'))
      .map((t) => ({ tag: t.tag, op: t.op === 'OR' ? 'OR' : 'AND', not: t.not === true, ...(t.value !== undefined ? { value: t.value } : {}) })) : [];
    s.audience = terms.length ? { terms } : null;
    return s;
  } catch {
    return emptyState();
  }
}

export function toURL(s) {
  const empty = !s.values.length && !s.rows.length && !s.cols.length && !s.filters.length && !s.audience;
  return empty && s.view === 'table' ? location.pathname : `${location.pathname}?q=${encodeURIComponent(JSON.stringify(s))}`;
}

// lit renders a value as an SQL literal for the API's expression parser: the
// server parses and type-checks every expression; quoting here only keeps a
// quote inside a value from ending the string.
export function lit(v, type) {
  if (v === null) return 'NULL';
  if (/^(big|small|tiny)?int|^integer|^decimal|^double|^float|^real|^hugeint/.test(type) && /^-?\d+(\.\d+)?$/.test(String(v))) return String(v);
  if (type === 'boolean' && (v === true || v === false || v === 'true' || v === 'false')) return String(v).toUpperCase();
  return `'${String(v).replaceAll("'", "''")}'`;
}

function addDays(iso, n) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// relativeRange resolves "the last n units, this one included" to dates.
export function relativeRange(n, unit, today = new Date()) {
  const y = today.getFullYear(), m = today.getMonth(), day = today.getDate();
  const iso = (yy, mm, dd) => new Date(Date.UTC(yy, mm, dd)).toISOString().slice(0, 10);
  switch (unit) {
    case 'day': return { from: iso(y, m, day - n + 1), to: iso(y, m, day + 1) };
    case 'week': {
      const dow = (today.getDay() + 6) % 7; // ISO weeks start on Monday
      return { from: iso(y, m, day - dow - 7 * (n - 1)), to: iso(y, m, day - dow + 7) };
    }
    case 'month': return { from: iso(y, m - n + 1, 1), to: iso(y, m + 1, 1) };
    case 'quarter': { const q = m - (m % 3); return { from: iso(y, q - 3 * (n - 1), 1), to: iso(y, q + 3, 1) }; }
    default: return { from: iso(y - n + 1, 0, 1), to: iso(y + 1, 0, 1) };
  }
}

const ops = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

// filterExpr renders one filter as a where (field) or having (metric) term.
export function filterExpr(flt, type) {
  const f = flt.f;
  switch (flt.kind) {
    case 'in': {
      const vals = flt.values || [];
      const nonNull = vals.filter((v) => v !== null);
      const parts = [];
      if (nonNull.length) parts.push(`${f} IN (${nonNull.map((v) => lit(v, type)).join(', ')})`);
      if (vals.includes(null)) parts.push(`${f} IS NULL`);
      if (!parts.length) return '';
      const e = parts.length > 1 ? `(${parts.join(' OR ')})` : parts[0];
      return flt.exclude ? `NOT ${e}` : e;
    }
    case 'range': {
      const t = [];
      if (flt.from) t.push(`${f} >= ${lit(flt.from, 'date')}`);
      if (flt.to) t.push(`${f} < ${lit(addDays(flt.to, 1), 'date')}`);
      return t.join(' AND ');
    }
    case 'relative': {
      const r = relativeRange(Number(flt.n) || 1, flt.unit || 'month');
      return `${f} >= ${lit(r.from, 'date')} AND ${f} < ${lit(r.to, 'date')}`;
    }
    case 'cmp': {
      if (flt.op === 'between') {
        if (flt.value === '' || flt.value2 === '' || flt.value == null || flt.value2 == null) return '';
        return `${f} BETWEEN ${lit(flt.value, type)} AND ${lit(flt.value2, type)}`;
      }
      if (flt.value === '' || flt.value == null || !ops[flt.op]) return '';
      return `${f} ${ops[flt.op]} ${lit(flt.value, type)}`;
    }
  }
  return '';
}

// toQuery turns the state into the DataAPI's metric query.
export function toQuery(s, cat) {
  const q = { metrics: [...s.values], dimensions: [...s.rows, ...s.cols].map(dimName) };
  const where = [], having = [];
  for (const flt of s.filters) {
    const metric = cat.metric(flt.f);
    const e = filterExpr(flt, metric ? 'double' : cat.field(flt.f)?.type || 'varchar');
    if (e) (metric ? having : where).push(e);
  }
  if (where.length) q.where = where.join(' AND ');
  if (having.length) q.having = having.join(' AND ');
  if (s.sort && s.sort.by) q.order = [(s.sort.desc ? '-' : '') + s.sort.by];
  if (s.limit) q.limit = Number(s.limit);
  return q;
}

export function describeFilter(flt, label) {
  switch (flt.kind) {
    case 'in': {
      const v = (flt.values || []).map((x) => (x === null ? '∅' : String(x)));
      const shown = v.length > 3 ? v.slice(0, 3).join(', ') + ` +${v.length - 3}` : v.join(', ');
      return `${label} ${flt.exclude ? 'not in' : 'in'} ${shown || '…'}`;
    }
    case 'range': return `${label} ${flt.from || '…'} to ${flt.to || '…'}`;
    case 'relative': return `${label} last ${flt.n} ${flt.unit}${flt.n > 1 ? 's' : ''}`;
    case 'cmp': return flt.op === 'between' ? `${label} between ${flt.value} and ${flt.value2}` : `${label} ${flt.op} ${flt.value ?? '…'}`;
  }
  return label;
}
