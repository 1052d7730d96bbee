/**
 * `max-size` and `max-file` values read as dockerd 20.10 reads them (go-units 0.4
 * `FromHumanSize`, Go's `strconv.Atoi`). Each "dockerd" column was checked against the real
 * daemon on 2026-12-07 (`docker run --log-driver json-file|local --log-opt max-size=V`, dockerd
 * 20.10.24: refused values fail at start with "failed to initialize logging driver"); the
 * decimal units by rotation (`max-size=100k`: rotated json-file and local files of 100,664 and
 * 100,842 bytes, under 102,400). A naive parser (`parseInt`, binary units, trimming) gets rows
 * wrong in both directions.
 */
import { describe, expect, it } from 'vitest';
import { logMaxFileCount, logMaxSizeBytes } from '../../../src/policy/guards/log-option-values.js';

/** [value, bytes or undefined when refused, what dockerd 20.10 does]. */
const SIZES: [string, number | undefined, string][] = [
  ['100m', 100_000_000, 'accepted'],
  ['100M', 100_000_000, 'accepted: units are case-insensitive'],
  ['100mb', 100_000_000, 'accepted'],
  ['100MiB', 100_000_000, 'accepted: the i changes nothing, still decimal'],
  ['100mi', 100_000_000, 'accepted'],
  ['100i', 100, 'accepted: bytes'],
  ['100ib', 100, 'accepted: bytes'],
  ['1.5g', 1_500_000_000, 'accepted'],
  ['100g', 100_000_000_000, 'accepted'],
  ['100 m', 100_000_000, 'accepted: one space before the unit'],
  ['10 B', 10, 'accepted'],
  ['100 ', 100, 'accepted: the space with no unit'],
  ['1.0000001k', 1000, 'accepted: truncated to whole bytes'],
  ['99999999999999999999p', 1e35, 'accepted here (dockerd overflows int64 and refuses): above any maximum'],
  ['0', 0, 'accepted by local (json-file refuses: not positive)'],
  [' 100m', undefined, 'refused: leading space'],
  ['+100m', undefined, 'refused (newer go-units reads 100m)'],
  ['0x10', undefined, 'refused'],
  ['0x1p4', undefined, 'refused (newer go-units reads 16)'],
  ['1e3', undefined, 'refused (newer go-units reads 1000)'],
  ['9e18', undefined, 'refused'],
  ['.5m', undefined, 'refused (newer go-units reads 500000)'],
  ['5.m', undefined, 'refused'],
  ['1.2.3m', undefined, 'refused: ParseFloat'],
  ['100  m', undefined, 'refused: two spaces'],
  ['100kk', undefined, 'refused'],
  ['-1', undefined, 'refused: no sign'],
  ['1_000', undefined, 'refused'],
  ['inf', undefined, 'refused'],
  ['100e', undefined, 'refused: no such unit'],
  ['１００m', undefined, 'refused: Go\'s \\d is ASCII only'],
  ['', undefined, 'refused'],
];

/** [value, count or undefined when refused]. Checked with json-file and local on dockerd 20.10.24. */
const FILES: [string, bigint | undefined][] = [
  ['5', 5n],
  ['+5', 5n],
  ['05', 5n],
  ['99999', 99999n],
  ['-1', -1n],
  ['0', 0n],
  ['9223372036854775807', 9223372036854775807n],
  [' 5', undefined],
  ['5 ', undefined],
  ['0x5', undefined],
  ['1e1', undefined],
  ['5_0', undefined],
  ['5.0', undefined],
  ['99999999999999999999', undefined],
  ['9223372036854775808', undefined],
  ['', undefined],
  ['+', undefined],
];

describe('max-size as dockerd reads it', () => {
  it.each(SIZES)('%j -> %s (%s)', (value, bytes) => {
    expect(logMaxSizeBytes(value)).toBe(bytes);
  });
});

describe('max-file as strconv.Atoi reads it', () => {
  it.each(FILES)('%j -> %s', (value, count) => {
    expect(logMaxFileCount(value)).toBe(count);
  });
});
