/**
 * The json-file and local logging drivers' `max-size` and `max-file` values, read as dockerd
 * reads them when it starts the container's logger:
 *
 * - `max-size`: go-units `FromHumanSize` (decimal units: `k` = 1000, `m` = 1000², ... `p`),
 *   as in dockerd 20.10 (go-units 0.4): a number `\d+(\.\d+)*` (then Go's `ParseFloat`, so one
 *   dot at most), an optional single space, an optional unit `k m g t p`, an optional `i`, an
 *   optional `b`, case-insensitive; the product truncated to an integer. An `i` changes
 *   nothing (`100MiB` is 100,000,000 bytes). Later go-units (0.5, newer dockerd) also read
 *   `+100m`, `1e3`, `.5m`, `5.m` and hexadecimal floats, and no longer read `100i`/`100mi`:
 *   within the grammar above both agree or the newer refuses, so a value outside it is
 *   undefined here (the guard refuses it) and never judged by a size another release reads.
 * - `max-file`: Go's `strconv.Atoi`: an optional sign, ASCII digits, nothing else (no spaces,
 *   `_`, `0x` or exponent), within int64.
 */

const SIZE = /^([0-9]+(?:\.[0-9]+)*) ?([kmgtp])?i?b?$/i;
const UNIT: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

/** Bytes a `max-size` value stands for, or undefined when dockerd would not read it. */
export function logMaxSizeBytes(text: string): number | undefined {
  const match = SIZE.exec(text);
  if (!match?.[1]) return undefined;
  // Go's ParseFloat refuses `1.2.3`, which the pattern lets through.
  if ((match[1].match(/\./g) ?? []).length > 1) return undefined;
  const mul = match[2] ? (UNIT[match[2].toLowerCase()] ?? 1) : 1;
  // float64 arithmetic, as Go's `size *= float64(mul)`; Infinity (over float64) stays above any maximum.
  return Math.trunc(Number(match[1]) * mul);
}

const INT64_MAX = 2n ** 63n - 1n;

/** The number a `max-file` value stands for, or undefined when Go's `strconv.Atoi` refuses it. */
export function logMaxFileCount(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = BigInt(text.replace(/^\+/, ''));
  return n > INT64_MAX || n < -INT64_MAX - 1n ? undefined : n;
}
