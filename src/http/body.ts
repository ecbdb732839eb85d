/**
 * JSON request bodies: only `application/json` (any charset parameter naming UTF-8), at most
 * `limit` bytes after decompression, parsed strictly (an object or array at the top). Failures
 * become `<PREFIX>_UNSUPPORTED_MEDIA_TYPE` (415), `<PREFIX>_PAYLOAD_TOO_LARGE` (413) and
 * `<PREFIX>_INVALID_JSON` (400), so the webhook and the API each report in their own domain.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { httpError } from './errors.ts';

export interface JsonBodyOptions {
  /** Largest accepted body, bytes (after any Content-Encoding is undone). */
  limit: number;
  /** Error code domain, e.g. `WEBHOOK` or `API`. */
  codePrefix: string;
  /** When true a request without a body gets `{}`; otherwise it is an invalid payload later. */
  optional?: boolean;
}

export function jsonBody(options: JsonBodyOptions): RequestHandler {
  return reader(options, express.json({ limit: options.limit, strict: true, type: () => true }));
}

/**
 * The webhook's body: the same checks as {@link jsonBody} (media type, UTF-8, size after
 * decompression), but `req.body` is left as the raw bytes (a Buffer), so ingest can parse a
 * large body off the event loop (src/ingest/accept.ts). A charset other than UTF-8 is a 415.
 */
export function jsonBytes(options: JsonBodyOptions): RequestHandler {
  const { codePrefix } = options;
  const read = reader(options, express.raw({ limit: options.limit, inflate: true, type: () => true }));
  return (req: Request, res: Response, next: NextFunction) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      next(httpError(415, `${codePrefix}_UNSUPPORTED_MEDIA_TYPE`, `unsupported charset "${charset.toUpperCase()}": only UTF-8 is accepted`));
      return;
    }
    read(req, res, next);
  };
}

function reader(options: JsonBodyOptions, parse: RequestHandler): RequestHandler {
  const { limit, codePrefix } = options;
  return (req: Request, res: Response, next: NextFunction) => {
    // `req.is` answers null when the request has no body at all (no length, not chunked); an
    // explicit `Content-Length: 0` (what most clients send for a POST without body) is no body too.
    const matched = req.is('application/json');
    const empty = req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined;
    if (matched === null || empty) {
      req.body = options.optional === true ? {} : undefined;
      next();
      return;
    }
    const charset = charsetOf(req.get('content-type') ?? '');
    if (matched === false || (charset !== null && !/^utf-?8$/i.test(charset))) {
      const given = req.get('content-type') ?? 'none';
      next(httpError(415, `${codePrefix}_UNSUPPORTED_MEDIA_TYPE`, `Content-Type must be application/json (UTF-8), got ${given}`));
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (err === undefined || err === null) {
        next();
        return;
      }
      next(translate(err, codePrefix, limit));
    });
  };
}

/** The charset parameter of a Content-Type, unquoted, or null when there is none. */
function charsetOf(contentType: string): string | null {
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  return m === null ? null : (m[1] ?? m[2] ?? '');
}

function translate(err: unknown, codePrefix: string, limit: number): unknown {
  const type = (err as { type?: string }).type;
  switch (type) {
    case 'entity.too.large':
      return httpError(413, `${codePrefix}_PAYLOAD_TOO_LARGE`, `request body is larger than the limit of ${limit} bytes`, { limit });
    case 'entity.parse.failed':
      return httpError(400, `${codePrefix}_INVALID_JSON`, `request body is not valid JSON: ${(err as Error).message}`);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return httpError(415, `${codePrefix}_UNSUPPORTED_MEDIA_TYPE`, (err as Error).message);
    case 'request.aborted':
    case 'request.size.invalid':
      return httpError(400, `${codePrefix}_INVALID_BODY`, (err as Error).message);
    default:
      return err;
  }
}
