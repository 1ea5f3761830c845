/**
 * Waiting in tests and benchmarks: every wait is bounded, and a wait that runs out says what it was
 * waiting for. Polling (`waitUntil`) is for state that changes in the background (deliveries,
 * other processes); a test that controls the clock moves the clock instead of waiting.
 */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects with `what` after `ms`, so no wait in a test is unbounded. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`, naming `what` (a
 * function is called only then, so it can describe the progress seen so far).
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
  everyMs = 25,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) {
      const description = typeof what === "function" ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    }
    await sleep(everyMs);
  }
}

/**
 * Polls `probe` every `everyMs` until it returns a value (not `undefined`, not `false`) and
 * resolves with it; throws after `timeoutMs`, naming `what`.
 */
export async function waitForValue<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string | (() => string),
  everyMs = 25,
): Promise<T> {
  let value: T | undefined | false;
  await waitUntil(
    async () => {
      value = await probe();
      return value !== undefined && value !== false;
    },
    timeoutMs,
    what,
    everyMs,
  );
  return value as T;
}

/**
 * As waitForValue, for a probe that throws while what it asks is not up yet (a connection refused
 * by a container still starting): a throw counts as "not yet", and a wait that runs out names the
 * last error seen.
 */
export async function waitForAnswer<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  everyMs = 250,
): Promise<T> {
  let last: unknown;
  return waitForValue(
    () =>
      probe().catch((error: unknown) => {
        last = error;
        return undefined;
      }),
    timeoutMs,
    () => `${what}: ${String(last)}`,
    everyMs,
  );
}
