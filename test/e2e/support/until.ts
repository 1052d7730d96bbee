/** Polling for a condition in end-to-end tests. */

/**
 * Poll `probe` every 150 ms until it returns something other than undefined or false, and
 * return that; throw naming `what` after `ms`.
 */
export async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
