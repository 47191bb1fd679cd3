/**
 * Provider URLs (log blobs, manifests, containers) often carry credentials: a SAS or other signed query
 * string, occasionally user:password. Snapshots keep only where the thing is, never how to open it.
 */

/** The URL without query string, fragment or user info; null for an empty value. */
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
    // Not an absolute URL (e.g. a relative blob path): everything from the first ? or # goes.
    return url.replace(/[?#].*$/s, '') || null;
  }
}
