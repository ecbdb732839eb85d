/**
 * Preloaded (`node --import`) by the validate benchmark into every process it times: at exit,
 * appends the process's CPU time (user and system, microseconds, all threads) to the file named
 * by FIREBREAK_BENCH_CPU_FILE, one `user system` line per process. The same for firebreak and
 * its baseline, so their CPU times compare like for like (wall time swings on a shared machine).
 */
import { appendFileSync } from 'node:fs';

const file = process.env.FIREBREAK_BENCH_CPU_FILE;
if (file !== undefined) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    appendFileSync(file, `${user} ${system}\n`);
  });
}
