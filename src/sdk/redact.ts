/**
 * Free text from a provider (failure reasons, messages) can quote a signed URL: a container URI with its
 * SAS, a presigned link. Before such text reaches a snapshot, a response or a log it is cleaned here.
 */
import { withoutCredentials } from './urls.js';

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
/** `sig=...` outside a URL, e.g. a SAS token quoted on its own. */
const SAS_SIGNATURE = /\bsig=[^&\s"'<>]*/gi;

/** The text with every URL reduced to `withoutCredentials` and any stray SAS signature masked. */
export function redactUrlsInText(text: string): string {
  return text
    .replace(URL_IN_TEXT, (match) => withoutCredentials(match) ?? '[url removed]')
    .replace(SAS_SIGNATURE, 'sig=[removed]');
}
