/**
 * The live job table: one row per job, kept in the `jobs` query's order, updated in place as events arrive.
 * Rows carry `data-job-id` (the global id), `data-state` (the normalized state), `data-provider` and
 * `data-account`, for tests and users' scripts. Filters hide rows; they never drop them.
 */
import { h } from './dom.js';
import { ago, compareJobs, humanize, stateColor } from './model.js';

export function statePill(state) {
  return h('span', { class: 'pill', style: { '--pill': stateColor(state) } }, humanize(state ?? 'unknown'));
}

function progressCell(progress) {
  const percent = progress?.percent;
  if (percent === null || percent === undefined)
    return h('td', { class: 'progress muted', title: progress?.message ?? '' }, progress?.message ?? '—');
  const rounded = Math.round(percent);
  return h(
    'td',
    { class: 'progress', title: progress.message ?? `${rounded} %` },
    h('span', { class: 'bar' }, h('span', { class: 'bar-fill', style: { '--done': `${rounded}%` } })),
    ` ${rounded} %`,
  );
}

/**
 * @param {HTMLTableSectionElement} tbody
 * @param {{ onOpen(id: string): void, providerName(kind: string): string }} opts
 */
export function createJobTable(tbody, { onOpen, providerName }) {
  /** @type {Map<string, {job: object, tr: HTMLTableRowElement}>} */
  const rows = new Map();
  let filter = { provider: '', account: '', state: '', search: '' };
  let selected;

  const matches = (job) =>
    (!filter.provider || job.provider === filter.provider) &&
    (!filter.account || job.account === filter.account) &&
    (!filter.state || job.state === filter.state) &&
    (!filter.search || job.nativeId.toLowerCase().includes(filter.search.toLowerCase()));

  function cells(job) {
    return [
      h(
        'td',
        { class: 'where' },
        h('span', { class: `provider provider-${job.provider}` }, providerName(job.provider)),
        h('small', { class: 'sub' }, job.account),
      ),
      h(
        'td',
        { class: 'job' },
        h('span', { class: 'name' }, job.name),
        h('small', {}, job.name !== job.nativeId ? h('code', {}, job.nativeId) : null, humanize(job.type)),
      ),
      h(
        'td',
        { class: 'state' },
        statePill(job.state),
        h('small', { class: 'sub' }, job.providerState),
        job.cancelRequested ? h('small', { class: 'sub warn' }, 'cancel requested') : null,
      ),
      progressCell(job.progress),
      h('td', { class: 'time', title: job.stateChangedAt ?? '' }, ago(job.stateChangedAt)),
      h('td', { class: 'time', title: job.createdAt ?? '' }, ago(job.createdAt)),
    ];
  }

  function render(entry) {
    const { job, tr } = entry;
    tr.dataset.jobId = job.id;
    tr.dataset.state = job.state ?? '';
    tr.dataset.provider = job.provider;
    tr.dataset.account = job.account;
    tr.hidden = !matches(job);
    tr.replaceChildren(...cells(job));
  }

  function newRow(job) {
    const tr = h('tr', {
      tabindex: 0,
      onclick: () => onOpen(job.id),
      onkeydown: (e) => e.key === 'Enter' && onOpen(job.id),
      onanimationend: () => tr.classList.remove('changed'),
    });
    const entry = { job, tr };
    rows.set(job.id, entry);
    render(entry);
    return entry;
  }

  return {
    jobs: () => [...rows.values()].map((r) => r.job),
    get: (id) => rows.get(id)?.job,
    replaceAll(jobs) {
      rows.clear();
      tbody.replaceChildren(...[...jobs].sort(compareJobs).map((job) => newRow(job).tr));
      this.select(selected);
    },
    /** Inserts or updates a job; returns whether its state changed. */
    upsert(job) {
      const entry = rows.get(job.id);
      if (!entry) {
        const { tr } = newRow(job);
        const before = [...rows.values()].find((r) => r.tr !== tr && compareJobs(job, r.job) < 0);
        tbody.insertBefore(tr, before?.tr ?? null);
        tr.classList.add('changed');
        return true;
      }
      const changed = entry.job.state !== job.state;
      entry.job = job;
      render(entry);
      if (changed) {
        entry.tr.classList.remove('changed');
        void entry.tr.offsetWidth; // restart the highlight animation
        entry.tr.classList.add('changed');
      }
      return changed;
    },
    remove(id) {
      rows.get(id)?.tr.remove();
      rows.delete(id);
    },
    setFilter(next) {
      filter = { ...filter, ...next };
      for (const entry of rows.values()) entry.tr.hidden = !matches(entry.job);
    },
    select(id) {
      selected = id;
      for (const entry of rows.values()) entry.tr.classList.toggle('selected', entry.job.id === id);
    },
    /** Rows shown / all rows. */
    counts: () => ({ shown: [...rows.values()].filter((r) => !r.tr.hidden).length, total: rows.size }),
    /** Re-renders the relative times ("5 min ago"). */
    tick() {
      for (const entry of rows.values()) render(entry);
    },
  };
}
