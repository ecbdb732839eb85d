import { expect } from 'chai';
import { Mutex } from '../../../src/store/mutex.ts';

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('store mutex', () => {
  it('runs tasks one at a time in the order they were queued', async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name}:start`);
      await tick();
      await tick();
      log.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([mutex.run(task('a')), mutex.run(task('b')), mutex.run(task('c'))]);
    expect(results).to.deep.equal(['a', 'b', 'c']);
    expect(log).to.deep.equal(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('keeps serving the queue after a task fails', async () => {
    const mutex = new Mutex();
    const failed = mutex.run(async () => {
      await tick();
      throw new Error('boom');
    });
    const next = mutex.run(() => 'after');
    let failure: unknown;
    await failed.catch((err: unknown) => {
      failure = err;
    });
    expect((failure as Error).message).to.equal('boom');
    expect(await next).to.equal('after');
  });
});
