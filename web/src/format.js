// Formats of metric values: currency, percent, integer, number, ratio. Decimal
// text is grouped as text so exact values stay exact on screen.

const plain = /^-?\d+(\.\d+)?$/;

function group(intPart) {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// fixed renders decimal text with exactly d decimals, rounding half away from
// zero on the text, and grouped thousands.
export function fixed(s, d) {
  if (!plain.test(s)) return Number(s).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  let neg = s.startsWith('-');
  let [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  if (f.length > d) {
    const keep = BigInt(i + f.slice(0, d)) + (f.charCodeAt(d) >= 53 ? 1n : 0n);
    const t = keep.toString().padStart(d + 1, '0');
    i = t.slice(0, t.length - d);
    f = t.slice(t.length - d);
  } else {
    f = f.padEnd(d, '0');
  }
  if (/^0*$/.test(i + f)) neg = false;
  return (neg ? '-' : '') + group(i) + (d > 0 ? '.' + f : '');
}

export function formatValue(v, format, type) {
  if (v === undefined) return ''; // no row for this cell
  if (v === null) return '∅';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return v;
  const s = v.s ?? String(v);
  switch (format) {
    case 'currency': return fixed(s, 2);
    case 'percent': return (Number(s) * 100).toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 }) + '%';
    case 'integer': return fixed(s, 0);
    case 'ratio': return Number(s).toLocaleString('en-US', { maximumFractionDigits: 4 });
  }
  if (/^(big|small|tiny)?int/.test(type || '') || type === 'integer' || type === 'hugeint') return fixed(s, 0);
  const dec = /^decimal\(\d+,(\d+)\)/.exec(type || '');
  if (dec) return fixed(s, Number(dec[1]));
  return Number(s).toLocaleString('en-US', { maximumFractionDigits: 2 });
}

// axisFormatter is the chart axis's label for a metric format.
export function axisFormatter(format) {
  const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
  switch (format) {
    case 'percent': return (n) => (n * 100).toFixed(0) + '%';
    case 'currency': return (n) => compact.format(n); // the model names no currency
  }
  return (n) => compact.format(n);
}

// sumExact adds decimal texts exactly (BigInt at the widest scale); a value
// that is not plain decimal text makes the sum a float sum.
export function sumExact(values) {
  const xs = values.filter((v) => v !== null && v !== undefined).map((v) => v.s ?? String(v));
  if (xs.length === 0) return null;
  if (!xs.every((s) => plain.test(s))) return { s: String(xs.reduce((a, s) => a + Number(s), 0)) };
  const scale = Math.max(...xs.map((s) => (s.split('.')[1] || '').length));
  let total = 0n;
  for (const s of xs) {
    const neg = s.startsWith('-');
    const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
    const n = BigInt(i + f.padEnd(scale, '0'));
    total += neg ? -n : n;
  }
  const neg = total < 0n;
  let t = (neg ? -total : total).toString().padStart(scale + 1, '0');
  if (scale > 0) t = t.slice(0, t.length - scale) + '.' + t.slice(t.length - scale);
  return { s: (neg ? '-' : '') + t };
}
