/**
 * Valid `iotHub` create inputs as a GraphQL client sends them: export jobs into distinct containers, so each
 * create is told apart from the previous one. The container URI carries a SAS, as real ones do.
 */
let container = 0;

export const SAMPLE_SAS_SIGNATURE = 'c2FtcGxlLWNvbnRhaW5lci1zaWduYXR1cmU%3D';

export function sampleCreateInput(): Record<string, unknown> {
  container += 1;
  return {
    type: 'EXPORT',
    outputBlobContainerUri: `https://crossdockstore.blob.core.windows.net/export-${process.pid}-${container}?sv=2021-08-06&sp=rwdl&sig=${SAMPLE_SAS_SIGNATURE}`,
    excludeKeysInExport: true,
  };
}
