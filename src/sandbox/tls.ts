export interface SandboxCertificate {
  key: string;
  cert: string;
}

/**
 * A fresh self-signed certificate for the sandbox simulators, valid for 127.0.0.1, ::1 and localhost.
 * The official Azure SDKs refuse plain http, so the sandbox serves HTTPS and publishes this certificate
 * (`caCertificate`) for clients to trust explicitly; nothing ever turns verification off. selfsigned (and its
 * X.509 stack) is loaded here, when a sandbox starts, not by every importer of the package.
 */
export async function createSandboxCertificate(): Promise<SandboxCertificate> {
  const { default: selfsigned } = await import('selfsigned');
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 30 * 24 * 3600_000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'crossdock sandbox' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
