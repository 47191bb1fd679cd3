/**
 * Removing credentials from provider-supplied URLs and text before they reach a snapshot, a response or a
 * log. Providers hand back storage URLs with SAS tokens in the query string (IoT Hub blob containers, Azure
 * Import/Export log blobs) and sometimes quote such URLs inside free-text failure reasons.
 */

/**
 * The URL without query string, fragment or user info (a SAS lives in the query; user info can hold a
 * password). null when the text is not an absolute URL: then nothing can be proven safe, so nothing is kept.
 */
export function urlWithoutCredentials(value: string | null | undefined): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  url.search = '';
  url.hash = '';
  url.username = '';
  url.password = '';
  return url.toString();
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
/** `sig=...` outside a URL, e.g. a SAS token quoted on its own. */
const SAS_SIGNATURE = /\bsig=[^&\s"'<>]*/gi;

/** Free text with every URL reduced to `urlWithoutCredentials` and any stray SAS signature masked. */
export function redactUrlsInText(text: string): string {
  return text
    .replace(URL_IN_TEXT, (match) => urlWithoutCredentials(match) ?? '[url removed]')
    .replace(SAS_SIGNATURE, 'sig=[removed]');
}
