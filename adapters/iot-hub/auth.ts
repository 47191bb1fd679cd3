/**
 * IoT Hub service shared access signatures (SDK_WIRE.md §3.2, azure-iothub src/common-core/authorization.ts):
 * `SharedAccessSignature sr=<HostName>&sig=<sig>&skn=<policy>&se=<expiry>` with
 * sig = encodeURIComponentStrict(base64(HMAC-SHA256(base64decode(key), sr + "\n" + se))).
 * Written by hand: no maintained package signs IoT Hub service tokens apart from the SDK itself, which
 * bundles it with its transport.
 */
import { hmacBase64, rfc3986, signaturesEqual } from '../../src/sdk/index.js';

export interface HubConnection {
  hostName: string;
  policyName: string;
  /** Base64 shared access key; a secret that never leaves this process except as a signature. */
  key: string;
}

export type ConnectionStringProblem =
  | 'missing-field'
  | 'device-connection-string'
  | 'token-connection-string'
  | 'bad-host-name'
  | 'bad-key';

/** What is wrong with a connection string, in words that never quote it. */
export const connectionStringProblemText: Record<ConnectionStringProblem, string> = {
  'missing-field':
    'must contain HostName, SharedAccessKeyName and SharedAccessKey (a hub shared access policy connection string)',
  'device-connection-string':
    'is a device connection string (it names a DeviceId); use a hub shared access policy such as iothubowner',
  'token-connection-string':
    'carries a ready-made SharedAccessSignature; use the policy key (SharedAccessKeyName + SharedAccessKey) so tokens can be renewed',
  'bad-host-name': 'HostName must be a bare host name such as myhub.azure-devices.net (no scheme, port or path)',
  'bad-key': 'SharedAccessKey must be base64',
};

/** `Key=value;Key=value` as the portal prints it. Values may contain `=` (base64 padding). */
export function parseConnectionString(text: string): HubConnection | ConnectionStringProblem {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  if (fields.has('deviceid')) return 'device-connection-string';
  if (fields.has('sharedaccesssignature')) return 'token-connection-string';
  const hostName = fields.get('hostname');
  const policyName = fields.get('sharedaccesskeyname');
  const key = fields.get('sharedaccesskey');
  if (!hostName || !policyName || !key) return 'missing-field';
  // The SDK dials HostName:443 as given; a port or scheme here is always a mistake (SDK_WIRE.md §3.1).
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(hostName)) {
    return 'bad-host-name';
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length === 0) return 'bad-key';
  return { hostName, policyName, key };
}

/** base64(HMAC-SHA256(base64decode(key), resource + "\n" + expiry)), before URL-encoding. */
function signature(key: string, resource: string, expiry: string): string {
  return hmacBase64('sha256', Buffer.from(key, 'base64'), `${resource}\n${expiry}`);
}

/** A service token for the hub, valid until `expirySeconds` (Unix seconds); fields in the SDK's order. */
export function createServiceToken(hub: HubConnection, expirySeconds: number): string {
  const se = String(Math.ceil(expirySeconds));
  const sig = rfc3986(signature(hub.key, hub.hostName, se));
  return `SharedAccessSignature sr=${hub.hostName}&sig=${sig}&skn=${rfc3986(hub.policyName)}&se=${se}`;
}

/** How long a fresh token lives: the SDK's one hour, one token per request. */
export const TOKEN_LIFETIME_SECONDS = 3600;

export interface TokenCheck {
  hostName: string;
  policyName: string;
  key: string;
  nowSeconds: number;
}

export type TokenVerdict =
  | 'ok'
  | 'missing'
  | 'malformed'
  | 'unknown-policy'
  | 'wrong-resource'
  | 'expired'
  | 'bad-signature';

/**
 * Verifies a token as IoT Hub does: fields in any order; the signature over `sr` exactly as sent (raw or
 * URL-encoded, both are the same for a host name) and `se`; `sr` naming this hub, case-insensitively; `se` in
 * the future; constant-time comparison.
 */
export function verifyServiceToken(header: string | undefined, check: TokenCheck): TokenVerdict {
  if (!header) return 'missing';
  const prefix = 'SharedAccessSignature ';
  if (!header.startsWith(prefix)) return 'malformed';
  const fields = new Map<string, string>();
  for (const part of header.slice(prefix.length).split('&')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  const skn = fields.get('skn');
  if (!sr || !sig || !se || !/^\d+$/.test(se)) return 'malformed';
  let decodedSr: string;
  let policy: string | undefined;
  let sent: string;
  try {
    decodedSr = decodeURIComponent(sr);
    policy = skn === undefined ? undefined : decodeURIComponent(skn);
    sent = decodeURIComponent(sig);
  } catch {
    return 'malformed';
  }
  if (policy !== check.policyName) return 'unknown-policy';
  if (decodedSr.toLowerCase() !== check.hostName.toLowerCase()) return 'wrong-resource';
  if (Number(se) <= check.nowSeconds) return 'expired';
  if (!signaturesEqual(signature(check.key, sr, se), sent)) return 'bad-signature';
  return 'ok';
}
