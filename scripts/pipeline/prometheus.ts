/**
 * A real Prometheus (the Debian `prometheus` package) on a free port of 127.0.0.1, with the
 * configuration it is given written to a directory of the caller's, its TSDB in that directory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onFreePort, startDaemon, type Daemon } from './daemon.ts';

/** One series of an instant query's answer. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
  /** The value as Prometheus wrote it, e.g. "1e+06" or "NaN". */
  text: string;
}

export interface Prometheus {
  url: string;
  daemon: Daemon;
  /** Evaluates an instant query now; an error answer rejects. */
  query(expr: string): Promise<Sample[]>;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus with `config` (prometheus.yml text) and resolves once it is ready, on `port`
 * when given (someone was told where it will listen), else on a free port.
 */
export async function startPrometheus(options: { dir: string; config: string; port?: number }): Promise<Prometheus> {
  await mkdir(options.dir, { recursive: true });
  const configFile = join(options.dir, 'prometheus.yml');
  await writeFile(configFile, options.config);
  const start = async (port: number): Promise<Prometheus> => {
    const url = `http://127.0.0.1:${port}`;
    const daemon = await startDaemon({
      name: 'Prometheus',
      command: 'prometheus',
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(options.dir, `data-${port}`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      logFile: join(options.dir, 'prometheus.log'),
      readyUrl: `${url}/-/ready`,
    });
    return { url, daemon, query: (expr: string) => instantQuery(url, expr), stop: () => daemon.stop() };
  };
  return options.port === undefined ? onFreePort(start) : start(options.port);
}

/** An instant query against the Prometheus at `url`. */
export async function instantQuery(url: string, expr: string): Promise<Sample[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (body.status !== 'success' || body.data === undefined) throw new Error(`Prometheus query ${expr} failed: ${body.error ?? response.status}`);
  if (body.data.resultType !== 'vector') throw new Error(`Prometheus query ${expr} is not an instant vector (${body.data.resultType})`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]), text: r.value[1] }));
}
