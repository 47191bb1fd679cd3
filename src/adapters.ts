/**
 * The adapter registry: the only place the core names providers. Adding a provider is adding its
 * folder under adapters/ and one line here.
 */
import { awsImportExport } from '../adapters/aws-import-export/index.js';
import { azureImportExport } from '../adapters/azure-import-export/index.js';
import { iotHubAdapter } from '../adapters/iot-hub/index.js';
import type { Adapter } from './adapter.js';

// biome-ignore lint/suspicious/noExplicitAny: adapters differ in their config types; each validates its own.
export const adapters: readonly Adapter<any>[] = [azureImportExport, awsImportExport, iotHubAdapter];

export function adapterFor(kind: string): Adapter | undefined {
  return adapters.find((a) => a.kind === kind);
}
