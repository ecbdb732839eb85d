/**
 * What `serve` and the CLI need of a PostgreSQL store's settings without loading the driver:
 * the TLS settings' shape and the URL as it may be logged. The driver (pool.ts) is loaded only
 * when a PostgreSQL store is opened.
 */
import type { TlsMode } from '../../config/schema.ts';

export interface PostgresTls {
  mode: TlsMode;
  /** PEM text of the CA certificate(s) to trust (verify-full); default: the system's. */
  ca?: string;
  /** PEM text of a client certificate and its key, for certificate authentication. */
  cert?: string;
  key?: string;
}

/** The URL with its password replaced by `***`, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
