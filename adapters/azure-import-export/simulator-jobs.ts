/**
 * The simulated Import/Export service's jobs: their store, the time-compressed lifecycle and the
 * customer the simulator plays. No HTTP here (simulator.ts speaks ARM). Everything random comes from
 * one seeded generator consumed in a fixed order, so a seed replays the same sandbox.
 *
 * Lifecycle (seed 000): Creating → (customer ships) Shipping → Received → Transferring (drives progress
 * over several steps) → Packaging → Completed, or Closed when a drive was NeverReceived or finished
 * CompletedMoreInfo. A cancel requested in Creating ends in Canceled. Azure deletes Creating jobs after two
 * weeks and finished ones after 90 days; the simulator keeps them (a sandbox is short-lived).
 */
import type { Rng } from '../utils/rng.js';
import type {
  ArmAddress,
  ArmDriveStatus,
  ArmJobDetails,
  ArmJobResponse,
  ArmLocation,
  ArmPackage,
  ArmReturnShipping,
} from './wire.js';
import { RESOURCE_TYPE } from './wire.js';

export type AzureJobState =
  | 'Creating'
  | 'Shipping'
  | 'Received'
  | 'Transferring'
  | 'Packaging'
  | 'Completed'
  | 'Closed'
  | 'Canceled';
export const AZURE_JOB_STATES: readonly AzureJobState[] = [
  'Creating',
  'Shipping',
  'Received',
  'Transferring',
  'Packaging',
  'Completed',
  'Closed',
  'Canceled',
];
export const FINISHED_STATES: readonly string[] = ['Completed', 'Closed', 'Canceled'];

/** How a drive's processing will end: fine, with issues (CompletedMoreInfo), or missing from the package. */
export type DriveFate = 'ok' | 'moreinfo' | 'never';

export interface SimJob {
  seq: number;
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  /** As stored at the service, secrets included (bitLockerKey, carrierAccountNumber). */
  properties: ArmJobDetails & { state: string };
  createdAt: string;
  lastModifiedAt: string;
  createdBy: string;
  /** Per drive (by position), decided at creation; export drives are numbered as they arrive. */
  fates: DriveFate[];
  /** Jobs the simulator's own customer owns: autopilot ships them. Jobs created through the API wait for their owner. */
  ownedByAutopilot: boolean;
}

/** Datacenters: West US from examples/GetLocation.json, East US 2 from the ListJobsInSubscription example. */
export const LOCATIONS: readonly ArmLocation[] = [
  location('westus', 'West US', {
    recipientName: 'Microsoft Azure Import/Export Service',
    streetAddress1: '2045 Lafayette Street',
    city: 'Santa Clara',
    stateOrProvince: 'CA',
    postalCode: '95050',
    countryOrRegion: 'USA',
    phone: '408 352 7600',
    supportedCarriers: ['FedEx'],
  }),
  location('eastus2', 'East US 2', {
    recipientName: 'Windows Azure Import Export Service',
    streetAddress1: 'Boydton 1 / BLDG # 1 101 Herbert Drive',
    city: 'Boydton',
    stateOrProvince: 'VA',
    postalCode: '23917',
    countryOrRegion: 'USA',
    phone: '+1-434-738-9443',
    supportedCarriers: ['FedEx', 'DHL'],
  }),
  location('australiaeast', 'Australia East', {
    recipientName: 'Windows Azure Import/Export Service',
    streetAddress1: 'Customer-A c/o NEXTDC Ltd, Delivery code ABCDEFG, 4 Eden Park Drive',
    city: 'Macquarie Park',
    stateOrProvince: 'NSW',
    postalCode: '2113',
    countryOrRegion: 'Australia',
    phone: '612 0000 0000',
    supportedCarriers: ['DHL'],
  }),
];

function location(name: string, displayName: string, properties: ArmLocation['properties']): ArmLocation {
  return {
    id: `/providers/Microsoft.ImportExport/locations/${name}`,
    name: displayName,
    type: 'Microsoft.ImportExport/locations',
    properties: {
      streetAddress2: '',
      additionalShippingInformation: '',
      alternateLocations: [`/providers/Microsoft.ImportExport/locations/${name}`],
      ...properties,
    },
  };
}

/** "West US", "westus" and the location id all name the same datacenter. */
export function findLocation(name: string): ArmLocation | undefined {
  const key = name.toLowerCase().replace(/\s+/g, '');
  return LOCATIONS.find(
    (l) => l.name.toLowerCase().replace(/\s+/g, '') === key || l.id.toLowerCase().endsWith(`/${key}`),
  );
}

/** The response view: BitLocker keys only come out of listBitLockerKeys. */
export function publicJob(job: SimJob, subscriptionId: string): ArmJobResponse {
  const { driveList, ...rest } = job.properties;
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${job.resourceGroup}/providers/${RESOURCE_TYPE}/${job.name}`,
    name: job.name,
    type: RESOURCE_TYPE,
    location: job.location,
    tags: { ...job.tags },
    systemData: {
      createdBy: job.createdBy,
      createdByType: 'User',
      createdAt: job.createdAt,
      lastModifiedBy: job.createdBy,
      lastModifiedByType: 'User',
      lastModifiedAt: job.lastModifiedAt,
    },
    properties: {
      ...structuredClone(rest),
      driveList: (driveList ?? []).map(({ bitLockerKey: _secret, ...drive }) => ({ ...drive })),
    },
    identity: { type: 'None' },
  };
}

/** A BitLocker recovery password as BitLocker makes them: eight groups of six digits, each a multiple of 11. */
export function bitLockerKey(rng: Rng): string {
  return Array.from({ length: 8 }, () => String(rng.int(0, 65_535) * 11).padStart(6, '0')).join('-');
}

const STREETS = ['1 Main Street', '42 Harbour Road', '7 Quay Lane', '300 Pine Avenue', '12 Market Square'];
const CITIES = ['Redmond', 'Seattle', 'Portland', 'Austin', 'Denver'];
const CARRIERS = ['FedEx', 'DHL'];

export function sandboxReturnAddress(rng: Rng): ArmAddress {
  return {
    recipientName: rng.pick(['Data Team', 'Ops Desk', 'Records Office']),
    streetAddress1: rng.pick(STREETS),
    city: rng.pick(CITIES),
    stateOrProvince: 'WA',
    postalCode: String(rng.int(10_000, 99_999)),
    countryOrRegion: 'USA',
    phone: `425${rng.int(1_000_000, 9_999_999)}`,
    email: 'ops@contoso.example',
  };
}

export function sandboxReturnShipping(rng: Rng): ArmReturnShipping {
  return { carrierName: rng.pick(CARRIERS), carrierAccountNumber: rng.hex(9).toLowerCase() };
}

/** What the customer reports when the package leaves: the US carriers' date format the examples show. */
export function sandboxDeliveryPackage(rng: Rng, driveCount: number, now: number): ArmPackage {
  const date = new Date(now);
  return {
    carrierName: rng.pick(CARRIERS),
    trackingNumber: String(rng.int(100_000_000, 999_999_999)) + String(rng.int(100, 999)),
    driveCount,
    shipDate: `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${(date.getUTCHours() % 12) + 1}:${String(date.getUTCMinutes()).padStart(2, '0')}:00 PM`,
  };
}

export interface LifecycleDeps {
  rng: Rng;
  now: () => number;
  /** Storage account name a job's logs go to, for log blob URIs. */
  storageAccountName(job: SimJob): string;
}

const GIB = 1024 ** 3;

/**
 * One lifecycle step of one job. Returns true when the job changed. Transferring takes several steps:
 * each drive advances 25-50 percent per step.
 */
export function stepJob(job: SimJob, deps: LifecycleDeps): boolean {
  const p = job.properties;
  const drives = p.driveList ?? [];
  switch (p.state) {
    case 'Creating':
      if (!p.cancelRequested) return false;
      p.state = 'Canceled';
      break;
    case 'Shipping':
      receive(job, deps);
      p.state = 'Received';
      break;
    case 'Received': {
      const present = drives.filter((d) => d.state === 'Received');
      for (const drive of present) startTransfer(job, drive, deps);
      p.state = present.length ? 'Transferring' : 'Packaging';
      p.percentComplete = 0;
      break;
    }
    case 'Transferring': {
      for (const [index, drive] of drives.entries()) {
        if (drive.state === 'Transferring') advanceTransfer(job, drive, job.fates[index] ?? 'ok', deps);
      }
      const moving = drives.filter((d) => d.state !== 'NeverReceived');
      p.percentComplete = Math.floor(moving.reduce((sum, d) => sum + (d.percentComplete ?? 0), 0) / moving.length);
      if (moving.every((d) => d.state !== 'Transferring')) p.state = 'Packaging';
      break;
    }
    case 'Packaging':
      shipBack(job, deps);
      break;
    default:
      return false;
  }
  job.lastModifiedAt = new Date(deps.now()).toISOString();
  return true;
}

function receive(job: SimJob, deps: LifecycleDeps): void {
  const p = job.properties;
  if (p.jobType?.toLowerCase() === 'export') {
    // Export drives are blank disks the customer sent; they start at Received (seed 000).
    const count = Math.max(1, Math.min(10, p.deliveryPackage?.driveCount ?? 1));
    p.driveList = Array.from({ length: count }, () => ({
      driveId: deps.rng.hex(8),
      bitLockerKey: bitLockerKey(deps.rng),
      state: 'Received',
    }));
    job.fates = Array.from({ length: count }, (_, i) => job.fates[i] ?? 'ok').map((f) => (f === 'never' ? 'ok' : f));
    return;
  }
  for (const [index, drive] of (p.driveList ?? []).entries()) {
    drive.state = job.fates[index] === 'never' ? 'NeverReceived' : 'Received';
  }
}

/** A log blob URI as the service hands them out: with a read SAS (the gateway must strip it). */
function logUri(job: SimJob, drive: ArmDriveStatus, kind: string, deps: LifecycleDeps): string {
  const stamp = new Date(deps.now()).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = job.properties.diagnosticsPath || 'waimportexport';
  const expiry = new Date(deps.now() + 30 * 24 * 3600_000).toISOString().slice(0, 19);
  const signature = encodeURIComponent(Buffer.from(deps.rng.hex(32), 'hex').toString('base64'));
  return `https://${deps.storageAccountName(job)}.blob.core.windows.net/${dir}/waies/${job.name}_${drive.driveId}_${stamp}_${kind}.xml?sv=2019-02-02&sr=b&sp=r&se=${expiry}Z&sig=${signature}`;
}

function startTransfer(job: SimJob, drive: ArmDriveStatus, deps: LifecycleDeps): void {
  drive.state = 'Transferring';
  drive.copyStatus = 'InProgress';
  drive.percentComplete = 0;
  drive.bytesSucceeded = 0;
  if (job.properties.logLevel?.toLowerCase() === 'verbose') drive.verboseLogUri = logUri(job, drive, 'verbose', deps);
  if (job.properties.backupDriveManifest) drive.manifestUri = logUri(job, drive, 'manifest', deps);
}

function advanceTransfer(job: SimJob, drive: ArmDriveStatus, fate: DriveFate, deps: LifecycleDeps): void {
  // A drive's size is fixed by its id, so its bytes only grow.
  const size = (Number.parseInt(drive.driveId?.slice(0, 4) ?? '1', 16) % 900) * GIB + 100 * GIB;
  const percent = Math.min(100, (drive.percentComplete ?? 0) + deps.rng.int(25, 50));
  drive.percentComplete = percent;
  drive.bytesSucceeded = Math.floor((size * percent) / 100);
  if (percent < 100) return;
  drive.state = fate === 'moreinfo' ? 'CompletedMoreInfo' : 'Completed';
  drive.copyStatus = fate === 'moreinfo' ? 'CompletedWithErrors' : 'Completed';
  drive.errorLogUri = logUri(job, drive, 'error', deps);
}

function shipBack(job: SimJob, deps: LifecycleDeps): void {
  const p = job.properties;
  const drives = p.driveList ?? [];
  const returned = drives.filter((d) => d.state !== 'NeverReceived');
  p.returnPackage = {
    ...sandboxDeliveryPackage(deps.rng, returned.length, deps.now()),
    carrierName: p.returnShipping?.carrierName ?? 'FedEx',
  };
  if (p.jobType?.toLowerCase() === 'export' && deps.rng.chance(0.3)) {
    p.incompleteBlobListUri = logUri(job, drives[0] ?? {}, 'incompleteblobs', deps);
  }
  // Drives that went well are shipped back; the ones with a story keep it, so a Closed job shows why.
  for (const drive of returned) if (drive.state === 'Completed') drive.state = 'ShippedBack';
  const troubled = drives.some((d) => d.state === 'NeverReceived' || d.state === 'CompletedMoreInfo');
  p.state = troubled ? 'Closed' : 'Completed';
  if (!troubled) p.percentComplete = 100;
}
