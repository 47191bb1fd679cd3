/** What a client may do with a job now, derived from the adapter's capability flags — never from its name. */
import type { AccountClient, JobAction, JobSnapshot, JobState } from '../sdk/model.js';

const ACTION_ORDER: readonly JobAction[] = ['UPDATE', 'SHIP', 'CANCEL', 'DELETE'];

/** Whether the adapter implements the operation an action needs at all. */
function implemented(client: AccountClient, action: JobAction): boolean {
  if (action === 'CANCEL') return typeof client.cancelJob === 'function';
  if (action === 'DELETE') return typeof client.deleteJob === 'function';
  return typeof client.updateJob === 'function';
}

export function allowedActions(client: AccountClient, snapshot: JobSnapshot, state: JobState | null): JobAction[] {
  if (state === null) return [];
  return ACTION_ORDER.filter((action) => {
    const states = client.capabilities.actions[action];
    if (!states?.includes(state) || !implemented(client, action)) return false;
    // A cancel already requested cannot be requested again.
    return !(action === 'CANCEL' && snapshot.cancelRequested);
  });
}
