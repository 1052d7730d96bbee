/**
 * A counter that follows a running total kept elsewhere (the audit log's lost records, the log
 * sink's dropped lines): at each scrape it grows by what the total grew since the last one.
 */

/**
 * The `collect` body of a counter following `total()`: pass the counter (`this` in
 * `collect`). A counter only grows; a total that starts again lower (none does today) resets
 * the mark.
 */
export function scrapeGrowth(total: () => number): (counter: { inc(value: number): void }) => void {
  /** The total at the last scrape. */
  let seen = 0;
  return (counter) => {
    const now = total();
    if (now > seen) counter.inc(now - seen);
    seen = now;
  };
}
