/**
 * The dashboard page: loads accounts, jobs and the latest event cursor in one go, then follows `jobEvents`
 * from that cursor, so no change between the query and the subscription is lost. Filters and the open job
 * live in the URL's fragment (shareable links).
 */

import { SOURCES } from './chart-sources.js';
import { createCharts } from './charts.js';
import { AUTH_CODES, apiKey, endpointUrl, request } from './client.js';
import { createDetail } from './detail.js';
import { fill, h } from './dom.js';
import { followJobEvents } from './live.js';
import { ago, humanize, JOB_STATES } from './model.js';
import { createJobTable } from './table.js';

const endpoint = endpointUrl('../graphql');
const PAGE_SIZE = 500;
/** Jobs the page loads at most (20 pages); beyond that it says so. */
const MAX_JOBS = 10_000;

const ROW =
  'id provider account nativeId name type state providerState cancelRequested stateChangedAt createdAt updatedAt progress { percent message }';
const ACCOUNTS = 'accounts { name provider providerName health { status lastPollAt lastErrorCode lastErrorMessage } }';
const LOAD = `query DashboardJobs($after: String, $first: Boolean!) {
  latestJobEventCursor @include(if: $first)
  ${ACCOUNTS.replace('accounts', 'accounts @include(if: $first)')}
  jobs(first: ${PAGE_SIZE}, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ROW} } } }
}`;
const EVENTS = `subscription DashboardEvents($after: String) {
  jobEvents(after: $after) { cursor kind jobId state previousState job { ${ROW} } }
}`;

const $ = (id) => document.getElementById(id);
const ui = {
  connection: $('connection'),
  banner: $('banner'),
  accounts: $('accounts'),
  filters: $('filters'),
  count: $('job-count'),
  keyForm: $('api-key-form'),
  keyInput: $('api-key'),
};

let accounts = [];
let follow;
let partialErrors = [];

const gql = (query, variables) => request(endpoint, query, variables);
const providerName = (kind) => accounts.find((a) => a.provider === kind)?.providerName ?? kind;

const table = createJobTable($('jobs'), { onOpen: (id) => openJob(id), providerName });
const detail = createDetail($('detail'), {
  request: gql,
  onClose: () => {
    table.select(undefined);
    writeHash();
  },
});
const charts = createCharts($('charts'), SOURCES);
const chartContext = () => ({ jobs: table.jobs(), accounts, request: gql });

function setConnection(state, text) {
  ui.connection.dataset.state = state;
  ui.connection.textContent = text;
}

function showBanner(message, kind = 'warn') {
  ui.banner.hidden = !message;
  ui.banner.className = `banner ${kind}`;
  ui.banner.textContent = message ?? '';
}

/** Account errors the last load reported (one unreachable account does not hide the others' jobs). */
function showPartialErrors() {
  const lines = partialErrors.map((e) => `${e.extensions?.account ?? 'gateway'}: ${e.message}`);
  showBanner(lines.length ? lines.join(' · ') : undefined);
}

function needsKey(message) {
  setConnection('refused', 'API key needed');
  showBanner(`${message} Enter the gateway's API key above.`, 'error');
  ui.keyInput.focus();
}

function renderAccounts() {
  fill(
    ui.accounts,
    accounts.map((a) =>
      h(
        'article',
        { class: 'account', dataset: { account: a.name, health: a.health.status } },
        h('strong', {}, a.name),
        h('span', { class: 'meta' }, a.providerName),
        h('span', { class: `health health-${a.health.status}` }, humanize(a.health.status)),
        h('small', { class: 'meta', title: a.health.lastPollAt ?? '' }, `polled ${ago(a.health.lastPollAt)}`),
        a.health.lastErrorCode
          ? h('small', { class: 'warn', title: a.health.lastErrorMessage ?? '' }, a.health.lastErrorCode)
          : null,
      ),
    ),
  );
}

function fillSelect(select, values, label = (v) => v) {
  const current = select.value;
  select.replaceChildren(h('option', { value: '' }, 'all'), ...values.map((v) => h('option', { value: v }, label(v))));
  select.value = values.includes(current) ? current : '';
}

function renderFilters() {
  const f = ui.filters.elements;
  fillSelect(f.provider, [...new Set(accounts.map((a) => a.provider))], providerName);
  fillSelect(
    f.account,
    accounts.map((a) => a.name),
  );
  fillSelect(f.state, JOB_STATES, humanize);
  readHash();
}

function updateCount() {
  const { shown, total } = table.counts();
  ui.count.textContent = shown === total ? `${total} jobs` : `${shown} of ${total} jobs`;
}

/** Filters and the open job ⇄ location.hash, e.g. #provider=iot-hub&state=FAILED&job=… */
function writeHash() {
  const params = new URLSearchParams();
  for (const name of ['provider', 'account', 'state', 'search']) {
    const value = ui.filters.elements[name].value;
    if (value) params.set(name, value);
  }
  const open = detail.openId();
  if (open) params.set('job', open);
  const hash = params.toString();
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const next = {};
  for (const name of ['provider', 'account', 'state', 'search']) {
    const el = ui.filters.elements[name];
    el.value = params.get(name) ?? '';
    next[name] = el.value;
  }
  table.setFilter(next);
  updateCount();
  const job = params.get('job');
  if (job && job !== detail.openId()) openJob(job);
}

function openJob(id) {
  table.select(id);
  detail.open(id);
  writeHash();
}

function applyEvent(event) {
  if (event.kind === 'REMOVED') table.remove(event.jobId);
  else table.upsert(event.job);
  detail.refresh(event.jobId);
  updateCount();
  charts.update(chartContext());
}

async function loadAll() {
  const jobs = [];
  let after = null;
  let cursor;
  partialErrors = [];
  for (let page = 0; page * PAGE_SIZE < MAX_JOBS; page++) {
    const { data, errors = [] } = await gql(LOAD, { after, first: page === 0 });
    if (page === 0) {
      cursor = data.latestJobEventCursor;
      accounts = data.accounts;
    }
    partialErrors.push(...errors);
    jobs.push(...data.jobs.edges.map((e) => e.node));
    if (!data.jobs.pageInfo.hasNextPage) break;
    after = data.jobs.pageInfo.endCursor;
  }
  return { jobs, cursor };
}

/** (Re)loads everything, then follows events from the cursor read with the jobs. */
async function start() {
  follow?.stop();
  setConnection('connecting', 'loading…');
  let loaded;
  try {
    loaded = await loadAll();
  } catch (error) {
    if (AUTH_CODES.has(error.code)) return needsKey(error.message);
    setConnection('error', 'gateway unreachable');
    showBanner(`Could not load jobs: ${error.message}. Retrying in 5 s.`, 'error');
    setTimeout(start, 5000);
    return;
  }
  showPartialErrors();
  renderAccounts();
  renderFilters();
  table.replaceAll(loaded.jobs);
  updateCount();
  charts.update(chartContext());
  follow = followJobEvents({
    endpoint,
    query: EVENTS,
    after: loaded.cursor,
    onEvent: applyEvent,
    onExpired: start,
    onStatus({ state, detail: why }) {
      if (state === 'refused') return needsKey(`Live updates refused: ${why}.`);
      setConnection(state, state === 'live' ? 'live' : state === 'retrying' ? why : 'connecting…');
    },
  });
}

async function refreshAccounts() {
  try {
    const { data } = await gql(`{ ${ACCOUNTS} }`);
    accounts = data.accounts;
    renderAccounts();
  } catch {
    // the next round tries again; the connection status already tells when the gateway is gone
  }
}

ui.filters.addEventListener('input', () => {
  const f = ui.filters.elements;
  table.setFilter({
    provider: f.provider.value,
    account: f.account.value,
    state: f.state.value,
    search: f.search.value,
  });
  updateCount();
  writeHash();
});
ui.filters.addEventListener('submit', (e) => e.preventDefault());
window.addEventListener('hashchange', readHash);
document.addEventListener('keydown', (e) => e.key === 'Escape' && detail.openId() && detail.close());

ui.keyInput.value = apiKey.get();
ui.keyForm.addEventListener('submit', (e) => {
  e.preventDefault();
  apiKey.set(ui.keyInput.value.trim());
  showBanner(undefined);
  start();
});
$('api-key-forget').addEventListener('click', () => {
  ui.keyInput.value = '';
  apiKey.set('');
  start();
});

// The explorer link only where the gateway serves the explorer (server.explorer, introspection on).
fetch(endpoint, { method: 'HEAD', headers: { accept: 'text/html' } }).then(
  (r) => {
    $('explorer-link').hidden = !r.ok;
  },
  () => {},
);

setInterval(() => {
  table.tick();
  refreshAccounts();
}, 15_000);
// The stats charts change with time too (jobs get stuck without any event): redrawn without waiting for one.
setInterval(() => charts.update(chartContext()), 5_000);

start();
