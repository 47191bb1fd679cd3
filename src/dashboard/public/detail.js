/**
 * One job in full: state and progress, drives, artifacts, shipping, errors, provider details and the
 * history timeline (with the time spent in each state). Read with `job(id)` when opened, and again when an
 * event about the job arrives.
 */
import { fill, h } from './dom.js';
import { ago, bytes, duration, humanize } from './model.js';
import { statePill } from './table.js';

const ADDRESS = 'recipientName company streetLines city stateOrProvince postalCode countryOrRegion phone email';
const PACKAGE = 'carrier trackingNumber driveCount shipDate';

export const JOB_DETAIL = `query DashboardJob($id: ID!) {
  job(id: $id) {
    id provider account nativeId name type state providerState cancelRequested
    stateChangedAt createdAt updatedAt observedAt location failureReason allowedActions
    progress { percent bytesTransferred itemsProcessed message }
    drives { driveId state providerState percentComplete bytesSucceeded copyStatus manifestFile errorCount }
    artifacts { kind description url }
    shipping {
      deliverTo { ${ADDRESS} } returnAddress { ${ADDRESS} }
      deliveryPackage { ${PACKAGE} } returnPackage { ${PACKAGE} } returnCarrier
    }
    errors { code message }
    details { key value }
    history { from to providerState at afterGap }
  }
}`;

/** The time of day, with the date only when it is not today. */
function moment(iso) {
  const date = new Date(iso);
  const today = date.toDateString() === new Date().toDateString();
  return date.toLocaleString(undefined, today ? { timeStyle: 'medium' } : { dateStyle: 'short', timeStyle: 'short' });
}
/** A relative time, exact on hover. */
const when = (iso) => (iso ? h('span', { title: iso }, ago(iso)) : null);

const section = (title, ...content) => h('section', {}, h('h3', {}, title), ...content);

/** A definition list of the entries whose value is present. */
function facts(entries) {
  const present = entries.filter(([, value]) => value !== null && value !== undefined && value !== '');
  return present.length
    ? h(
        'dl',
        {},
        present.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      )
    : null;
}

function table(headers, rows) {
  return h(
    'table',
    { class: 'compact' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', {}, x)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((c) => h('td', {}, c ?? '—')),
        ),
      ),
    ),
  );
}

function address(a) {
  if (!a) return null;
  return [
    a.recipientName,
    a.company,
    ...(a.streetLines ?? []),
    [a.postalCode, a.city].filter(Boolean).join(' '),
    a.stateOrProvince,
    a.countryOrRegion,
  ]
    .filter(Boolean)
    .join(', ');
}

const pkg = (p) =>
  p
    ? [p.carrier, p.trackingNumber, p.driveCount ? `${p.driveCount} drives` : null, p.shipDate]
        .filter(Boolean)
        .join(' · ')
    : null;

function timeline(job) {
  const history = job.history ?? [];
  if (!history.length) return h('p', { class: 'muted' }, 'No transition observed yet.');
  return h(
    'ol',
    { class: 'timeline' },
    history.map((t, i) => {
      const until = history[i + 1]?.at ?? null;
      const spent = (until ? Date.parse(until) : Date.now()) - Date.parse(t.at);
      return h(
        'li',
        { dataset: { state: t.to ?? '' } },
        statePill(t.to),
        h('span', { class: 'when', title: t.at }, moment(t.at)),
        h(
          'span',
          { class: 'spent', title: until ? 'time in this state' : 'in this state so far' },
          until ? duration(spent) : `${duration(spent)} so far`,
        ),
        t.afterGap
          ? h('small', { class: 'warn', title: 'the gateway was not watching when this happened' }, 'after a gap')
          : null,
        h('small', { class: 'sub' }, t.providerState),
      );
    }),
  );
}

function render(job) {
  const p = job.progress ?? {};
  const s = job.shipping ?? {};
  return [
    h(
      'header',
      {},
      h('h2', {}, job.name),
      h('p', {}, h('code', {}, job.nativeId), ` · ${job.account} · ${humanize(job.type)}`),
      h('p', { class: 'state' }, statePill(job.state), h('small', { class: 'sub' }, job.providerState)),
    ),
    facts([
      ['Progress', p.percent !== null && p.percent !== undefined ? `${Math.round(p.percent)} %` : null],
      [
        'Transferred',
        p.bytesTransferred !== null && p.bytesTransferred !== undefined ? bytes(p.bytesTransferred) : null,
      ],
      ['Items', p.itemsProcessed],
      ['Message', p.message],
      ['Created', when(job.createdAt)],
      ['In state since', when(job.stateChangedAt)],
      ['Location', job.location],
      ['Failure', job.failureReason],
      ['Allowed now', job.allowedActions.map(humanize).join(', ') || 'nothing'],
      ['Cancel', job.cancelRequested ? 'requested' : null],
    ]),
    section('History', timeline(job)),
    job.drives.length
      ? section(
          'Drives',
          table(
            ['Drive', 'State', 'Done', 'Copied', 'Errors'],
            job.drives.map((d) => [
              h('code', {}, d.driveId),
              d.state ? humanize(d.state) : d.providerState,
              d.percentComplete !== null && d.percentComplete !== undefined
                ? `${Math.round(d.percentComplete)} %`
                : null,
              d.bytesSucceeded !== null && d.bytesSucceeded !== undefined ? bytes(d.bytesSucceeded) : d.copyStatus,
              d.errorCount,
            ]),
          ),
        )
      : null,
    job.artifacts.length
      ? section(
          'Artifacts',
          table(
            ['Kind', 'Description', 'Location'],
            job.artifacts.map((a) => [
              humanize(a.kind),
              a.description,
              // Provider locations (blob storage, S3): shown, not fetched; opened only if the user follows the link.
              a.url ? h('a', { href: a.url, rel: 'noopener noreferrer', target: '_blank' }, a.url) : null,
            ]),
          ),
        )
      : null,
    job.shipping
      ? section(
          'Shipping',
          facts([
            ['Ship to', address(s.deliverTo)],
            ['Inbound package', pkg(s.deliveryPackage)],
            ['Return package', pkg(s.returnPackage)],
            ['Return address', address(s.returnAddress)],
            ['Return carrier', s.returnCarrier],
          ]) ?? h('p', { class: 'muted' }, 'Nothing reported yet.'),
        )
      : null,
    job.errors.length
      ? section(
          'Errors',
          table(
            ['Code', 'Message'],
            job.errors.map((e) => [e.code, e.message]),
          ),
        )
      : null,
    job.details.length ? section('Provider details', facts(job.details.map((d) => [d.key, d.value]))) : null,
  ];
}

/**
 * @param {HTMLElement} panel
 * @param {{ request(query: string, variables: object): Promise<object>, onClose(): void }} opts
 */
export function createDetail(panel, { request, onClose }) {
  let openId;
  let generation = 0;

  async function load(id) {
    const mine = ++generation;
    try {
      const { data, errors } = await request(JOB_DETAIL, { id });
      if (mine !== generation) return; // another job was opened meanwhile
      const job = data?.job;
      const body = job ? render(job) : [h('p', {}, errors?.[0]?.message ?? 'This job no longer exists.')];
      fill(panel, h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: close }, '×'), body);
      panel.dataset.jobId = id;
      panel.dataset.state = job?.state ?? '';
    } catch (error) {
      if (mine === generation) fill(panel, h('p', { class: 'warn' }, `Could not load the job: ${error.message}`));
    }
  }

  function close() {
    openId = undefined;
    generation += 1;
    panel.hidden = true;
    panel.replaceChildren();
    delete panel.dataset.jobId;
    onClose();
  }

  let refreshTimer;
  return {
    openId: () => openId,
    open(id) {
      openId = id;
      panel.hidden = false;
      panel.dataset.loading = '';
      return load(id).finally(() => delete panel.dataset.loading);
    },
    /** Reloads the open job soon (events for one job often come in bursts). */
    refresh(id) {
      if (id !== openId) return;
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => openId && load(openId), 250);
    },
    close,
  };
}
