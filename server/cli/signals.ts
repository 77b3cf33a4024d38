/** Resolves on the first SIGINT or SIGTERM; register it before announcing readiness so no signal is missed. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
