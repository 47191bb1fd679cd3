/**
 * Snapshots fetched from providers, reused across requests for a short time so that repeated dashboard
 * queries cost no provider calls (AWS GetStatus above all). TTLs come from each adapter's capabilities:
 * short for moving jobs, long for terminal ones.
 */
import Keyv from 'keyv';
import { type Capabilities, isTerminal, type JobSnapshot } from '../sdk/model.js';

export class SnapshotCache {
  private readonly kv = new Keyv<JobSnapshot>({ namespace: 'snapshot-cache' });

  private key(account: string, nativeId: string) {
    return `${account}\n${nativeId}`;
  }

  async getMany(account: string, nativeIds: readonly string[]): Promise<(JobSnapshot | undefined)[]> {
    if (nativeIds.length === 0) return [];
    return this.kv.getMany(nativeIds.map((id) => this.key(account, id)));
  }

  async set(account: string, snapshot: JobSnapshot, ttl: Capabilities['cacheTtlMs']): Promise<void> {
    const ms = isTerminal(snapshot.state) ? ttl.terminal : ttl.active;
    if (ms > 0) await this.kv.set(this.key(account, snapshot.nativeId), snapshot, ms);
  }

  async delete(account: string, nativeId: string): Promise<void> {
    await this.kv.delete(this.key(account, nativeId));
  }

  async dispose(): Promise<void> {
    await this.kv.clear();
  }
}
