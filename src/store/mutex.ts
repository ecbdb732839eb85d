/**
 * A first-in-first-out async mutex. A backend with one connection (SQLite) runs every
 * operation through one of these, so an async transaction never interleaves with another
 * operation on that connection.
 */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `fn` once every earlier `run` has settled, and settles with its result. A failing `fn`
   * does not stop the queue. `fn` must never wait for a later `run` of the same mutex: that
   * would wait forever.
   */
  run<T>(fn: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
