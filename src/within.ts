/**
 * `promise`'s value, or undefined when it fails or takes longer than `ms`: for answers that may never come (a
 * browser's, a Redis server's that is gone). The timer is cleared as soon as there is an answer, so a process that is
 * done exits at once.
 */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}
