/**
 * The host allow-list of `http.request` (`http.allowHosts` in the configuration). Entries are
 * `hostname` (any port) or `hostname:port` (that port only); a leading `*.` matches any
 * subdomain (`*.svc.cluster.local`), never the bare domain. Host names compare case-insensitively;
 * IPv6 literals are written in brackets (`[::1]:8080`). An empty list allows nothing.
 */
import { httpRequestError } from '../integration-errors.ts';

/** Default ports, for matching `host:port` entries against URLs that leave the port out. */
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** Reads an absolute http(s) URL; `HTTP_URL_INVALID` (400) otherwise. */
export function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw httpRequestError('HTTP_URL_INVALID', `not an absolute URL: ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw httpRequestError('HTTP_URL_INVALID', `only http and https URLs are allowed, not ${url.protocol}`);
  }
  return url;
}

/** Whether one allow-list entry admits the URL's host and port. */
export function entryAllows(entry: string, url: URL): boolean {
  const hostname = url.hostname.toLowerCase();
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? '') : url.port;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(entry.trim().toLowerCase());
  if (m === null) return false;
  const host = m[1] as string;
  if (m[2] !== undefined && m[2] !== port) return false;
  if (host.startsWith('*.')) return hostname.endsWith(host.slice(1)) && hostname.length > host.length - 1;
  return hostname === host;
}

/** Throws `HTTP_HOST_NOT_ALLOWED` (403) unless some entry of `allowHosts` admits the URL. */
export function assertHostAllowed(url: URL, allowHosts: readonly string[]): void {
  if (allowHosts.some((entry) => entryAllows(entry, url))) return;
  throw httpRequestError(
    'HTTP_HOST_NOT_ALLOWED',
    `${url.host} is not on the allow-list (http.allowHosts${allowHosts.length === 0 ? ' is empty' : `: ${allowHosts.join(', ')}`})`,
    { details: { host: url.host, allowHosts: [...allowHosts] } },
  );
}
