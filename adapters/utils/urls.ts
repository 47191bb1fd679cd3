/**
 * Artifact and log locations a provider returns may be signed (S3 presigned URLs, Azure SAS): the
 * signature sits in the query string, sometimes in user info. Snapshots keep only what locates the
 * object, so no credential reaches a response, a log line or the store.
 */
export function withoutCredentials(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL at all: keep nothing rather than something that might be a token.
    return null;
  }
}
