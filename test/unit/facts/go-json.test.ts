import { describe, expect, it } from 'vitest';
import { BodyError, FactsError } from '../../../src/facts/errors.js';
import { decodeGoJson, MAX_JSON_DEPTH, type DecodeInfo, type JsonShape } from '../../../src/facts/go-json.js';

const enc = new TextEncoder();

function code(input: string | Uint8Array, shape?: JsonShape): string | undefined {
  try {
    decodeGoJson(typeof input === 'string' ? enc.encode(input) : input, shape);
    return undefined;
  } catch (err) {
    if (err instanceof BodyError) return err.code;
    throw err;
  }
}

describe('decodeGoJson accepts plain JSON', () => {
  const cases: Array<[string, unknown]> = [
    ['{}', {}],
    [' \t\r\n{"a":1}\n ', { a: 1 }],
    ['{"Image":"busybox","Cmd":["sh","-c","echo hi"],"Tty":true,"X":null}', { Image: 'busybox', Cmd: ['sh', '-c', 'echo hi'], Tty: true, X: null }],
    ['[1,-2.5,3e2,0,-0.0,1E-2]', [1, -2.5, 300, 0, -0, 0.01]],
    ['"a\\"\\\\\\/\\b\\f\\n\\r\\tz"', 'a"\\/\b\f\n\r\tz'],
    ['"\\u00e9\\ud83d\\ude00"', 'é😀'],
    ['"é😀"', 'é😀'],
    ['{"a":{"b":[{"c":[]}]}}', { a: { b: [{ c: [] }] } }],
    ['{"Labels":{"a":"1","b":"2"}}', { Labels: { a: '1', b: '2' } }],
    // Keys of maps are data, never struct fields: İ and ı in them are not ambiguous.
    ['{"Labels":{"a\u00e7\u0131klama":"test"},"HostConfig":{"Tmpfs":{"/s\u0131n":""}}}', { Labels: { 'açıklama': 'test' }, HostConfig: { Tmpfs: { '/sın': '' } } }],
    ['{"Name":"v","DriverOpts":{"\u0130":"x"},"Labels":{"s\u0131n\u0131f":"a"}}', { Name: 'v', DriverOpts: { 'İ': 'x' }, Labels: { 'sınıf': 'a' } }],
    // Keys of Go maps are distinct strings: keys that differ only in case are two entries
    // (the docker CLI sends `--label a=1 --label A=2`, `--tmpfs /data --tmpfs /DATA` so).
    ['{"Labels":{"a":"1","A":"2"}}', { Labels: { a: '1', A: '2' } }],
    ['{"Labels":{"com.example.Version":"1","com.example.version":"2"}}', { Labels: { 'com.example.Version': '1', 'com.example.version': '2' } }],
    ['{"HostConfig":{"Tmpfs":{"/data":"","/DATA":""},"Sysctls":{"net.a":"1","NET.A":"2"},"StorageOpt":{"size":"1G","SIZE":"2G"}}}', { HostConfig: { Tmpfs: { '/data': '', '/DATA': '' }, Sysctls: { 'net.a': '1', 'NET.A': '2' }, StorageOpt: { size: '1G', SIZE: '2G' } } }],
    ['{"Name":"v","Labels":{"env":"a","ENV":"b"},"DriverOpts":{"o":"x","O":"y"}}', { Name: 'v', Labels: { env: 'a', ENV: 'b' }, DriverOpts: { o: 'x', O: 'y' } }],
    ['{"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"1m","MAX-SIZE":"2m","\u0131":"x"}}}}', { HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'MAX-SIZE': '2m', 'ı': 'x' } } } }],
    ['{"IPAM":{"Options":{"a":"1","A":"2"},"Config":[{"Subnet":"10.0.0.0/24","AuxiliaryAddresses":{"h":"10.0.0.2","H":"10.0.0.3"}}]}}', { IPAM: { Options: { a: '1', A: '2' }, Config: [{ Subnet: '10.0.0.0/24', AuxiliaryAddresses: { h: '10.0.0.2', H: '10.0.0.3' } }] } }],
    ['{"Spec":{"AccessibilityRequirements":{"Requisite":[{"Segments":{"zone":"a","ZONE":"b"}}]}}}', { Spec: { AccessibilityRequirements: { Requisite: [{ Segments: { zone: 'a', ZONE: 'b' } }] } } }],
    ['[{"Type":"local","Attrs":{"dest":"/x","DEST":"/y"}}]', [{ Type: 'local', Attrs: { dest: '/x', DEST: '/y' } }]],
    ['{"NetworkingConfig":{"EndpointsConfig":{"net":{},"NET":{"DriverOpts":{"k":"1","K":"2"}}}}}', { NetworkingConfig: { EndpointsConfig: { net: {}, NET: { DriverOpts: { k: '1', K: '2' } } } } }],
    ['{"HostConfig":{"DeviceRequests":[{"Options":{"a":"1","A":"2"}}],"Annotations":{"x":"1","X":"2"}}}', { HostConfig: { DeviceRequests: [{ Options: { a: '1', A: '2' } }], Annotations: { x: '1', X: '2' } } }],
    ['9007199254740991', 9007199254740991],
    ['1.5e300', 1.5e300],
    ['{"Memory":1e20}', { Memory: 1e20 }],
  ];
  it.each(cases)('%j', (text, value) => {
    expect(decodeGoJson(enc.encode(text))).toEqual(value);
  });

  it('reports an empty or whitespace body as undefined (Go: io.EOF)', () => {
    expect(decodeGoJson(new Uint8Array())).toBeUndefined();
    expect(decodeGoJson(enc.encode(' \n\t\r'))).toBeUndefined();
  });

  it('makes __proto__ an ordinary key', () => {
    const v = decodeGoJson(enc.encode('{"__proto__":{"Privileged":true},"constructor":1}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.keys(v)).toEqual(['__proto__', 'constructor']);
    expect(v['__proto__']).toEqual({ Privileged: true });
    expect((v as { Privileged?: unknown }).Privileged).toBeUndefined();
  });

  it('decodes escaped keys before comparing them', () => {
    expect(decodeGoJson(enc.encode('{"\\u0050rivileged":true}'))).toEqual({ Privileged: true });
  });

  it('handles a big body', () => {
    const binds = Array.from({ length: 50_000 }, (_v, i) => `/data/v${i}:/mnt/v${i}:ro`);
    const body = enc.encode(JSON.stringify({ HostConfig: { Binds: binds } }));
    expect(body.length).toBeGreaterThan(1_000_000);
    const v = decodeGoJson(body) as { HostConfig: { Binds: string[] } };
    expect(v.HostConfig.Binds.length).toBe(50_000);
    expect(v.HostConfig.Binds[49_999]).toBe('/data/v49999:/mnt/v49999:ro');
  });

  it(`accepts nesting up to ${MAX_JSON_DEPTH}`, () => {
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(code(ok)).toBeUndefined();
  });
});

describe('decodeGoJson refuses what Go reads differently or not at all', () => {
  const cases: Array<[string, string | Uint8Array]> = [
    // Go merges duplicates into one struct field (last wins): refuse.
    ['ambiguous-json', '{"Privileged":false,"Privileged":true}'],
    ['ambiguous-json', '{"HostConfig":{"Privileged":false,"PRIVILEGED":true}}'],
    ['ambiguous-json', '{"HostConfig":{"privileged":false,"Privileged":true}}'],
    ['ambiguous-json', '{"HostConfig":{},"hostconfig":{"Privileged":true}}'],
    ['ambiguous-json', '{"Privileged":false,"\\u0050rivileged":true}'],
    // Unicode folding: ſ (U+017F) = S, Kelvin sign (U+212A) = K.
    ['ambiguous-json', '{"SecurityOpt":[],"ſecurityOpt":["seccomp=unconfined"]}'],
    ['ambiguous-json', '{"Kind":1,"\u212aind":2}'],
    // Dotted and dotless I: dockerd 20.10 (Go 1.19) matches no field with them, other Go
    // releases fold them to I: refused alone, not only next to their ASCII twin.
    ['ambiguous-json', '{"P\u0131dMode":"host"}'],
    ['ambiguous-json', '{"HostConf\u0131g":{},"NanoCpus":2000000000}'],
    ['ambiguous-json', '{"HostConfig":{"\u0130pcMode":"host"}}'],
    ['ambiguous-json', '{"Label\u0131s":{"a":"x"}}'],
    // A network named like a map field: its settings are a struct, their keys still checked.
    ['ambiguous-json', '{"NetworkingConfig":{"EndpointsConfig":{"Labels":{"Network\u0130D":"x"}}}}'],
    ['ambiguous-json', '[{"a":1},{"b":2,"B":3}]'],
    ['ambiguous-json', '{"a":{"x":1,"x":1}}'],
    // Struct fields beside maps: the map field itself, a `Config` that is not LogConfig's, a
    // map value that is a struct (endpoint settings), the keys of a map's struct value.
    ['ambiguous-json', '{"Labels":{"a":"1"},"labels":{"A":"2"}}'],
    ['ambiguous-json', '{"HostConfig":{"LogConfig":{"Config":{},"config":{}}}}'],
    ['ambiguous-json', '{"IPAM":{"Config":{"a":1,"A":2}}}'],
    ['ambiguous-json', '{"Config":{"a":1,"A":2}}'],
    ['ambiguous-json', '{"NetworkingConfig":{"EndpointsConfig":{"n":{"NetworkID":"a","networkid":"b"}}}}'],
    ['ambiguous-json', '{"NetworkingConfig":{"EndpointsConfig":{"n":{"IPAMConfig":{"IPv4Address":"a","ipv4address":"b"}}}}}'],
    // Exact duplicates in a map: Go keeps the last; refused like a struct's.
    ['ambiguous-json', '{"Labels":{"a":"1","a":"2"}}'],
    ['ambiguous-json', '{"HostConfig":{"LogConfig":{"Config":{"k":"1","k":"2"}}}}'],
    ['ambiguous-json', '{"NetworkingConfig":{"EndpointsConfig":{"host":{},"host":{}}}}'],
    ['ambiguous-json', '{"Labels":{"a":"1","\\u0061":"2"}}'],
    // Lone surrogates become U+FFFD in Go.
    ['ambiguous-json', '"\\ud800"'],
    ['ambiguous-json', '"\\udc00\\ud800"'],
    ['ambiguous-json', '"\\ud800\\u0041"'],
    // Integers beyond 2^53 lose precision in JavaScript.
    ['ambiguous-json', '{"Memory":9007199254740993}'],
    ['ambiguous-json', '-9007199254740993'],
    ['ambiguous-json', '1e400'],
    // dockerd ignores what follows the first value; we will not forward it uninspected.
    ['trailing-json', '{"Image":"a"}{"HostConfig":{"Privileged":true}}'],
    ['trailing-json', '{} x'],
    ['trailing-json', '{}\u00a0'],
    ['bad-json', '{"a":1'],
    ['bad-json', '{"a" 1}'],
    ['bad-json', '{"a":1,}'],
    ['bad-json', '[1,]'],
    ['bad-json', '{a:1}'],
    ['bad-json', "{'a':1}"],
    ['bad-json', '{"a":01}'],
    ['bad-json', '{"a":.5}'],
    ['bad-json', '{"a":1.}'],
    ['bad-json', '{"a":+1}'],
    ['bad-json', '{"a":NaN}'],
    ['bad-json', '{"a":tru}'],
    ['bad-json', '"a\nb"'],
    ['bad-json', '"\\x41"'],
    ['bad-json', '"\\u12"'],
    ['bad-json', '"abc'],
    ['bad-json', '\ufeff{}'],
    ['bad-json', new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
    ['bad-json', new Uint8Array([0x22, 0xc3, 0x22])],
    ['bad-json', new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22])],
    ['deep-json', '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)],
    ['deep-json', '{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1)],
  ];
  it.each(cases)('%s: %j', (expected, input) => {
    expect(code(input)).toBe(expected);
  });

  it('a top-level null is no body for a struct or slice, as Go decodes it (the 20.10 CLI commits with it)', () => {
    expect(decodeGoJson(enc.encode('null'), 'object')).toBeUndefined();
    expect(decodeGoJson(enc.encode(' null\n'), 'array')).toBeUndefined();
    expect(decodeGoJson(enc.encode('null'), 'any')).toBeNull();
  });

  it('checks the top-level shape', () => {
    expect(code('[]', 'object')).toBe('json-shape');
    expect(code('"x"', 'object')).toBe('json-shape');
    expect(code('{}', 'array')).toBe('json-shape');
    expect(code('{}', 'object')).toBeUndefined();
    expect(code('[]', 'array')).toBeUndefined();
  });

  it('names the keys and the reason: merged struct fields, a repeated map key', () => {
    expect(() => decodeGoJson(enc.encode('{"HostConfig":{"Privileged":false,"PRIVILEGED":true}}'))).toThrow('keys "Privileged" and "PRIVILEGED" in one object (Go merges them)');
    expect(() => decodeGoJson(enc.encode('{"Labels":{"a":"1","a":"2"}}'))).toThrow('duplicate key "a" in one map (Go keeps the last)');
  });

  it('throws a FactsError with a 400 status', () => {
    try {
      decodeGoJson(enc.encode('{"a":1,"A":2}'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FactsError);
      expect((err as FactsError).status).toBe(400);
      expect((err as FactsError).message).toContain('"a"');
    }
  });
});

describe('decodeGoJson tells whole numbers written with a fraction or an exponent, or as -0 (Go refuses them in integer fields, -0 in unsigned ones)', () => {
  it.each([
    ['{"NanoCpus":1e9}', true],
    ['{"Memory":100000000.0}', true],
    ['{"A":-0.0}', true],
    ['{"A":5E1}', true],
    ['{"A":[1,2,{"B":2.0}]}', true],
    ['{"A":1.5}', false],
    ['{"A":100000000}', false],
    ['{"A":-0}', true],
    ['{"BlkioWeight":-0,"A":1}', true],
    ['{"A":0}', false],
    ['{"A":-1}', false],
    ['{"A":"1e9"}', false],
  ])('%s -> %s', (text, flagged) => {
    const info: DecodeInfo = {};
    decodeGoJson(new TextEncoder().encode(text), 'object', info);
    expect(info.wholeNumberAsFloat ?? false).toBe(flagged);
  });
});
