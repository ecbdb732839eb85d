/**
 * The simplest load balancer: round robin over the replicas, and a replica that refuses the
 * connection (killed, not started yet) is skipped for the next one, as HAProxy's `redispatch`
 * does. No health checks: a request to a replica that dies under it fails (502), and
 * Alertmanager retries it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Proxy {
  url: string;
  /** Requests each backend answered (by backend URL). */
  served: Map<string, number>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startProxy(backends: () => string[]): Promise<Proxy> {
  let next = 0;
  const served = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const payload = await body(req);
    const targets = backends();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = value;
    }
    for (let tried = 0; tried < targets.length; tried++) {
      const target = targets[next++ % targets.length]!;
      let response: Response;
      try {
        response = await fetch(`${target}${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          headers,
          ...(payload.length > 0 ? { body: payload } : {}),
          signal: AbortSignal.timeout(30_000),
        });
      } catch {
        continue; // refused or died: the next replica
      }
      served.set(target, (served.get(target) ?? 0) + 1);
      const answer = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(answer);
      return;
    }
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('no replica answered');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
