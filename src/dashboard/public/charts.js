/**
 * The provider comparison charts: one Chart.js chart per source (chart-sources.js). A source only turns
 * data into labels and datasets; this module owns the canvases, refreshes them (at most every
 * REFRESH_MS, however fast events arrive) and keeps a failing source from taking the others down.
 */
import { h } from './dom.js';

const REFRESH_MS = 1000;

/**
 * @typedef {object} ChartContext
 * @property {object[]} jobs the jobs the table holds (the `jobs` query, kept current by `jobEvents`)
 * @property {object[]} accounts the `accounts` query
 * @property {(query: string, variables?: object) => Promise<object>} request GraphQL over HTTP, with the API key
 *
 * @typedef {object} ChartSource
 * @property {string} id
 * @property {string} title
 * @property {string} [description]
 * @property {'bar'|'line'|'doughnut'} [type] default 'bar'
 * @property {boolean} [horizontal]
 * @property {boolean} [stacked]
 * @property {boolean} [integers] whether the value axis counts (whole ticks); default true
 * @property {(ctx: ChartContext) => (ChartData|Promise<ChartData>)} data
 * @property {(item: object, data: ChartData) => string|string[]} [tooltip] extra tooltip lines for a bar
 *
 * @typedef {object} ChartData
 * @property {string[]} labels
 * @property {object[]} datasets
 * @property {string} [description] replaces the source's description (e.g. to name a unit chosen for the data)
 */

/** @param {HTMLElement} container @param {ChartSource[]} sources */
export function createCharts(container, sources) {
  const Chart = window.Chart;
  const charts = sources.map((source) => {
    const canvas = h('canvas', { role: 'img', 'aria-label': source.title });
    const note = h('p', { class: 'chart-note' });
    const caption = h('span', {}, source.description ?? '');
    const figure = h(
      'figure',
      { class: 'chart', dataset: { chart: source.id } },
      h('figcaption', {}, h('strong', {}, source.title), caption),
      h('div', { class: 'chart-canvas' }, canvas),
      note,
    );
    container.append(figure);
    const axis = {
      stacked: Boolean(source.stacked),
      grid: { color: 'rgba(148,163,184,0.15)' },
      // Labels may be several lines (see twoLines): shown upright, all of them.
      ticks: { color: '#94a3b8', maxRotation: 0, autoSkip: false },
    };
    const chart = new Chart(canvas, {
      type: source.type ?? 'bar',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: source.horizontal ? 'y' : 'x',
        scales: {
          x: axis,
          y: {
            ...axis,
            beginAtZero: true,
            ticks: { ...axis.ticks, ...(source.integers === false ? {} : { precision: 0 }) },
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: '#cbd5e1', boxWidth: 10, font: { size: 11 } } },
          tooltip: source.tooltip ? { callbacks: { afterLabel: (item) => source.tooltip(item, entry.data) } } : {},
        },
      },
    });
    const entry = { source, chart, note, figure, caption, data: undefined };
    return entry;
  });

  let timer;
  let pending;
  let lastRun = 0;

  async function refresh(ctx) {
    lastRun = Date.now();
    await Promise.all(
      charts.map(async (entry) => {
        const { source, chart, note, figure, caption } = entry;
        try {
          const data = await source.data(ctx);
          const { labels, datasets } = data;
          entry.data = data;
          chart.data.labels = labels;
          chart.data.datasets = datasets;
          chart.update('none');
          caption.textContent = data.description ?? source.description ?? '';
          note.textContent = datasets.length ? '' : 'nothing to show yet';
          figure.dataset.points = String(datasets.reduce((n, d) => n + d.data.filter(Boolean).length, 0));
        } catch (error) {
          note.textContent = `Could not load: ${error.message}`;
        }
      }),
    );
  }

  return {
    /** Schedules a refresh with the latest context (coalesced: the last context wins). */
    update(ctx) {
      pending = ctx;
      if (timer) return;
      const wait = Math.max(0, lastRun + REFRESH_MS - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        refresh(pending);
      }, wait);
    },
  };
}
