/** Tenancy's list filters (filters.ts): the owner label added to a client's `filters`, read as dockerd reads them. */
import { describe, expect, it } from 'vitest';
import { addLabelFilter, FilterError, parseFilters } from '../../../src/tenancy/filters.js';

describe('filters', () => {
  it.each([
    [undefined, '{"label":{"dockgate.owner=a":true}}'],
    ['', '{"label":{"dockgate.owner=a":true}}'],
    ['null', '{"label":{"dockgate.owner=a":true}}'],
    ['{"status":["exited"]}', '{"status":{"exited":true},"label":{"dockgate.owner=a":true}}'],
    ['{"label":["x=1"]}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"label":{"x=1":true}}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    // dockerd matches the keys whatever the boolean: a false value is still a filter.
    ['{"label":{"x=1":false}}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    // A client may not replace ours: the same key just stays set.
    ['{"label":{"dockgate.owner=a":false}}', '{"label":{"dockgate.owner=a":true}}'],
    // A name or value `__proto__` is a key like any other (rev-version F5): a plain `{}` made it the prototype.
    ['{"label":["__proto__"]}', '{"label":{"__proto__":true,"dockgate.owner=a":true}}'],
    ['{"label":{"__proto__":true}}', '{"label":{"__proto__":true,"dockgate.owner=a":true}}'],
    ['{"__proto__":{"x":true}}', '{"__proto__":{"x":true},"label":{"dockgate.owner=a":true}}'],
    ['{"__proto__":["x"],"label":["constructor"]}', '{"__proto__":{"x":true},"label":{"constructor":true,"dockgate.owner=a":true}}'],
    ['{"status":{"toString":true,"hasOwnProperty":false}}', '{"status":{"toString":true,"hasOwnProperty":true},"label":{"dockgate.owner=a":true}}'],
    // Go reads a null boolean as false and a null list element as "" (dockerd 20.10 accepts both).
    ['{"label":{"x=1":null}}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"label":[null,"x=1"]}', '{"label":{"":true,"x=1":true,"dockgate.owner=a":true}}'],
    // A name given twice: Go keeps the last occurrence (each decoded afresh, not merged), as
    // dockerd 20.10 lists it (seen on the daemon: docker ps with the filters below); forwarded once.
    ['{"label":["x=1"],"label":["y=2"]}', '{"label":{"y=2":true,"dockgate.owner=a":true}}'],
    ['{"label":{"x=1":true},"label":{"y=2":true}}', '{"label":{"y=2":true,"dockgate.owner=a":true}}'],
    ['{"status":["exited"],"label":["x=1"],"status":["created"]}', '{"status":{"created":true},"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"label":{"x=1":true,"x=1":false}}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    // null is a name with no values (Go's nil map or slice), in either form; a last null never
    // gets here (facts/panicking-filters.ts refuses it first: dockerd may add to that nil map).
    ['{"label":null}', '{"label":{"dockgate.owner=a":true}}'],
    ['{"status":null}', '{"status":{},"label":{"dockgate.owner=a":true}}'],
    ['{"label":null,"label":["x=1"]}', '{"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"label":["x=1"],"label":null}', '{"label":{"dockgate.owner=a":true}}'],
    ['{"status":null,"label":["x=1"]}', '{"status":{},"label":{"x=1":true,"dockgate.owner=a":true}}'],
    ['{"status":null,"label":{"x=1":true}}', '{"status":{},"label":{"x=1":true,"dockgate.owner=a":true}}'],
  ])('addLabelFilter(%s)', (raw, want) => {
    expect(addLabelFilter(raw, 'dockgate.owner=a')).toBe(want);
  });

  it.each([
    '{', '[]', '"x"', '{"label":"x"}', '{"label":[1]}', '{"label":{"x":1}}',
    // dockerd reads one form or the other, never a mix: it refuses these (400).
    '{"label":{"x":true},"driver":["local"]}', '{"label":["x"],"driver":{"local":true}}', '{"label":[],"driver":{}}',
    // A key twice: JSON.parse keeps the last, Go fails on a wrong type in any (rev-fix-proto F2).
    '{"label":["__proto__"],"label":{"constructor":true}}', '{"label":{"a":true},"label":["b"]}',
    '{"label":"x","label":["b"]}', '{"label":["b"],"label":1}', '{"label":{"a":1,"a":true}}', '{"label":[],"label":{"a":true}}',
    // null takes neither form: the others still may not mix.
    '{"label":null,"status":["x"],"driver":{"local":true}}',
  ])('refuses %s', (raw) => {
    expect(() => parseFilters(raw)).toThrow(FilterError);
  });

  // A refusal names the filter, never one of its values (a `token=<secret>` label: rev-secrets s27 F2).
  it.each([
    ['{"label":{"token=SEKRIT":1}}', 'filter "label" values must be booleans'],
    ['{"label":{"token=SEKRIT":true,"token=SEKRIT":"x"}}', 'filter "label" values must be booleans'],
    ['{"label":[{"token=SEKRIT":true}]}', 'filter "label" values must be strings'],
    ['{"label":["token=SEKRIT"],"label":{"token=SEKRIT":true}}', 'filters mixes the list form and the map form: dockerd reads neither'],
  ])('refuses %s in words', (raw, message) => {
    expect(() => parseFilters(raw)).toThrow(message);
    expect(() => parseFilters(raw)).not.toThrow(/SEKRIT/);
  });
});
