/**
 * Valid `awsImportExport` create inputs as a GraphQL client sends them, shaped like the Developer Guide's
 * import manifest (fixtures/manifest-import-guide.txt). Each call gets its own device id, so every manifest
 * is unique (the adapter tells a lost create's job apart by its manifest).
 */
let device = 0;

export function importManifest(deviceId: string, bucket = 'crossdock-bucket'): string {
  return [
    'manifestVersion: 2.0',
    `bucket: ${bucket}`,
    `deviceId: ${deviceId}`,
    'eraseDevice: no',
    'returnAddress:',
    '  name: Jane Roe',
    '  street1: 123 Any Street',
    '  city: Anytown',
    '  stateOrProvince: WA',
    '  postalCode: 91011-1111',
    '  phoneNumber: 206-555-1111',
    '  country: USA',
    '',
  ].join('\n');
}

export function sampleCreateInput(): Record<string, unknown> {
  device += 1;
  // No accessKeyId: the adapter fills in the account's own.
  return { jobType: 'IMPORT', manifest: importManifest(`CROSSDOCK-${process.pid}-${device}`) };
}
