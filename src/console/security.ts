/**
 * Response headers of every console page and the same-origin check of every form post.
 *
 * The Content-Security-Policy allows only this server's own stylesheet and script (no inline
 * script or style, no eval, no other origin, no framing, forms posting only here); event streams
 * and fragment fetches go to the same origin.
 */
import type { NextFunction, Request, Response } from 'express';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  next();
}

/**
 * A form post whose `Origin` (or, without one, `Referer`) names another host than the one it was
 * sent to comes from another site's page: refused, whatever its CSRF token. Browsers send
 * `Origin` on every POST; a request with neither header (a script, curl) still needs the token.
 */
export function sameOrigin(req: Request): boolean {
  const source = req.get('origin') ?? req.get('referer');
  if (source === undefined || source === 'null') return source === undefined;
  try {
    return new URL(source).host === req.get('host');
  } catch {
    return false;
  }
}
