// The chart view (Apache ECharts): a line chart when a time grain is on the
// shelves, with time along the x axis; a bar chart over the first row field
// otherwise. Every other field splits the series; the first metric's format
// labels the y axis (a second format gets a second axis).

import * as echarts from 'echarts/core';
import { LineChart, BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, AriaComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { el } from './catalog.js';
import { axisFormatter, formatValue } from './format.js';
import { dimName } from './state.js';
import { cellText, dimLabel } from './table.js';

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer]);

const grainRe = /\.(hour|day|week|month|quarter|year)$/;
let chart = null;

const esc = (t) => String(t).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function disposeChart() {
  if (chart) { chart.dispose(); chart = null; }
}

export function renderChart(root, result, state, cat) {
  disposeChart();
  const dims = [...state.rows, ...state.cols].map(dimName);
  const idx = new Map(result.columns.map((c, i) => [c.name, i]));
  const metrics = state.values.filter((m) => idx.has(m));
  if (!metrics.length) { root.replaceChildren(el('p', { class: 'empty', text: 'Add a metric to chart it.' })); return; }
  const time = dims.find((d) => grainRe.test(d));
  const x = time || dims[0];
  const kind = time ? 'line' : 'bar';
  const split = dims.filter((d) => d !== x);
  const xs = [...new Set(result.rows.map((r) => (x ? cellText(r[idx.get(x)]) : 'All')))];
  if (time) xs.sort();
  const formats = [...new Set(metrics.map((m) => result.columns[idx.get(m)].format || ''))].slice(0, 2);
  const series = new Map();
  for (const r of result.rows) {
    const sk = split.map((d) => cellText(r[idx.get(d)])).join(' · ');
    for (const m of metrics) {
      const name = [cat.label(m), sk].filter(Boolean).join(' · ');
      if (!series.has(name)) {
        const col = result.columns[idx.get(m)];
        series.set(name, { name, type: kind, data: new Array(xs.length).fill(null), yAxisIndex: Math.max(0, formats.indexOf(col.format || '')), format: col.format, ctype: col.type, showSymbol: xs.length < 60 });
      }
      const v = r[idx.get(m)];
      series.get(name).data[xs.indexOf(x ? cellText(r[idx.get(x)]) : 'All')] = v === null ? null : Number(v.s ?? v);
    }
  }
  const label = `${kind === 'line' ? 'Line' : 'Bar'} chart of ${metrics.map((m) => cat.label(m)).join(', ')}${x ? ' by ' + dimLabel(x, cat) : ''}${split.length ? ', split by ' + split.map((d) => dimLabel(d, cat)).join(', ') : ''}`;
  const box = el('div', { class: 'chart', role: 'img', 'aria-label': label, 'data-kind': kind, 'data-series': String(series.size), 'data-points': String(xs.length) });
  root.replaceChildren(box);
  chart = echarts.init(box, null, { renderer: 'svg' });
  chart.setOption({
    aria: { enabled: true },
    animation: false,
    tooltip: {
      trigger: 'axis',
      valueFormatter: undefined,
      // The tooltip is HTML: every data-derived text is escaped.
      formatter: (items) => [esc(items[0]?.axisValueLabel ?? ''), ...items.map((it) => {
        const s = [...series.values()][it.seriesIndex];
        return `${it.marker}${esc(it.seriesName)}: ${it.value === null || it.value === undefined ? '∅' : esc(formatValue({ s: String(it.value) }, s.format, s.ctype))}`;
      })].join('<br>'),
    },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 70, right: formats.length > 1 ? 70 : 24, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: xs, name: x ? dimLabel(x, cat) : '', nameLocation: 'middle', nameGap: 26 },
    yAxis: formats.map((f) => ({ type: 'value', axisLabel: { formatter: axisFormatter(f) } })),
    series: [...series.values()].map(({ format, ctype, ...s }) => s),
  });
}

// warm draws one small chart off screen while the page is idle, so the
// first real chart does not pay for ECharts' first-use setup.
export function warm() {
  const box = el('div', { 'aria-hidden': 'true', style: 'position:absolute;left:-9999px;top:0;width:200px;height:120px' });
  document.body.append(box);
  const c = echarts.init(box, null, { renderer: 'svg' });
  c.setOption({ animation: false, tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'category', data: ['a', 'b'] }, yAxis: { type: 'value' },
    series: [{ type: 'line', data: [1, 2] }, { type: 'bar', data: [2, 1] }] });
  c.dispose();
  box.remove();
}

window.addEventListener('resize', () => chart?.resize());
