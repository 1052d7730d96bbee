/**
 * The one empty set of query values and route parameters every request without any shares.
 */

/**
 * Frozen, without a prototype (as the records built per request are): what `query`, `queryAll`
 * and `params` of a request's facts are when it has none. A record made with
 * `Object.create(null)` starts as a dictionary (about 0.2 KB), and a long-lived stream's facts
 * kept three of them until its end for its audit record (docs/benchmarks.md, "Idle streams on a
 * fresh gateway"). Nothing writes into facts' records; frozen, a write would throw.
 */
export const NO_VALUES: Readonly<Record<string, never>> = Object.freeze(Object.create(null) as Record<string, never>);
