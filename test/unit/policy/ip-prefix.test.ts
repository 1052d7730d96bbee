/**
 * The IP reading behind `networkSubnets`, against what Go's `net.ParseIP` / `net.ParseCIDR`
 * (dockerd 20.10, Go 1.19) accept and refuse. Where Go accepts a spelling dockgate does not
 * read, the table says so: those are refused by the guard (fail closed), never read differently.
 */
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { hasHostBits, networkOf, parseIpAddress, parseIpPrefix, prefixContains, type IpPrefix } from '../../../src/policy/guards/ip-prefix.js';

const hex = (p: IpPrefix | undefined) => (p ? `${p.family} ${Buffer.from(p.bytes).toString('hex')}/${p.length}` : undefined);

describe('parseIpAddress', () => {
  it.each([
    ['10.0.0.1', '4 0a000001/32'],
    ['0.0.0.0', '4 00000000/32'],
    ['255.255.255.255', '4 ffffffff/32'],
    ['::', `6 ${'0'.repeat(32)}/128`],
    ['::1', `6 ${'0'.repeat(31)}1/128`],
    ['fd00::1', `6 fd00${'0'.repeat(27)}1/128`],
    ['FD00:0:0:0:0:0:0:1', `6 fd00${'0'.repeat(27)}1/128`],
    ['1:2:3:4:5:6:7::', '6 00010002000300040005000600070000/128'],
    ['::2:3:4:5:6:7:8', '6 00000002000300040005000600070008/128'],
    ['64:ff9b::1.2.3.4', '6 0064ff9b000000000000000001020304/128'],
    ['1:2:3:4:5:6:1.2.3.4', '6 00010002000300040005000601020304/128'],
  ])('%s reads as Go reads it', (text, want) => {
    expect(hex(parseIpAddress(text))).toBe(want);
  });

  it.each([
    // Go refuses these too.
    ['010.0.0.1', 'leading zero (Go 1.17 and later)'],
    ['10.0.0.01', 'leading zero'],
    ['256.0.0.1', 'octet over 255'],
    ['10.0.0', 'three octets'],
    ['10.0.0.1.2', 'five octets'],
    [' 10.0.0.1', 'space'],
    ['10.0.0.1 ', 'trailing space'],
    ['0x0a.0.0.1', 'hex octet'],
    ['1::2::3', 'two ellipses'],
    [':::', 'three colons'],
    [':1:2:3:4:5:6:7', 'leading single colon'],
    ['1:2:3:4:5:6:7:', 'trailing single colon'],
    ['1:2:3:4:5:6:7:8:9', 'nine groups'],
    ['::1:2:3:4:5:6:7:8', 'ellipsis standing for no group'],
    ['1:2:3:4:5:6:7', 'seven groups without ellipsis'],
    ['1.2.3.4::', 'IPv4 part not at the end'],
    ['1:2:3:4:5:6:7:1.2.3.4', 'IPv4 tail after seven groups'],
    ['fe80::1%eth0', 'zone'],
    ['::1.2.3.04', 'leading zero in an IPv4 tail'],
    ['', 'empty'],
    // Go 1.19 reads these; dockgate does not (refused: fail closed).
    ['00001::', 'a group of five hex digits (Go 1.19 reads it as 1; Go 1.22 refuses)'],
    ['::ffff:10.0.0.1', 'IPv4-mapped IPv6'],
    ['::ffff:a00:1', 'IPv4-mapped IPv6 in hex'],
  ])('%s is refused (%s)', (text) => {
    expect(parseIpAddress(text)).toBeUndefined();
  });

  it('agrees with Node on 5 000 generated spellings (none IPv4-mapped, which only Node reads)', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = ['0', '1', 'ff', 'abcd', 'ABCD', '12345', '', '1.2.3.4', '01.2.3.4', 'g', '255.255.255.256'];
    const disagree: string[] = [];
    let read = 0;
    for (let i = 0; i < 5000; i++) {
      const groups = Array.from({ length: 1 + rand(9) }, () => pieces[rand(pieces.length)] as string);
      const text = groups.join(rand(4) === 0 ? '::' : ':');
      const ours = parseIpAddress(text)?.family ?? 0;
      if (ours !== 0) read += 1;
      if (ours !== isIP(text)) disagree.push(text);
    }
    expect(disagree).toEqual([]);
    expect(read).toBeGreaterThan(200);
  });
});

describe('parseIpPrefix', () => {
  it.each([
    ['10.200.0.0/16', '4 0ac80000/16'],
    ['10.0.0.5/8', '4 0a000005/8'],
    ['0.0.0.0/0', '4 00000000/0'],
    ['10.89.0.0/016', '4 0a590000/16'],
    ['fd00:d0c::/48', `6 fd000d0c${'0'.repeat(24)}/48`],
    ['::/0', `6 ${'0'.repeat(32)}/0`],
  ])('%s', (text, want) => {
    expect(hex(parseIpPrefix(text))).toBe(want);
  });

  it.each([['10.0.0.0'], ['10.0.0.0/33'], ['10.0.0.0/'], ['10.0.0.0/-1'], ['10.0.0.0/+8'], ['10.0.0.0/8 '], ['fd00::/129'], ['::ffff:10.97.0.0/112'], ['10.0.0.0/8/8'], ['10.0.0.0/0x8']])('%s is refused', (text) => {
    expect(parseIpPrefix(text)).toBeUndefined();
  });
});

describe('prefixContains', () => {
  const p = (t: string) => parseIpPrefix(t.includes('/') ? t : `${t}/${t.includes(':') ? 128 : 32}`) as IpPrefix;
  it.each([
    ['10.200.0.0/16', '10.200.5.0/24', true],
    ['10.200.0.0/16', '10.200.0.0/16', true],
    ['10.200.0.0/16', '10.200.255.255', true],
    ['10.200.0.0/16', '10.200.0.0/15', false],
    ['10.200.0.0/16', '10.201.0.0/24', false],
    ['10.200.0.0/16', '10.0.0.0/8', false],
    ['10.200.0.0/16', '10.200.7.9/8', false],
    ['10.200.0.0/16', '10.200.7.9/20', true],
    ['10.200.0.0/13', '10.207.0.0/16', true],
    ['10.200.0.0/13', '10.208.0.0/16', false],
    ['0.0.0.0/0', '1.2.3.0/24', true],
    ['0.0.0.0/0', 'fd00::/64', false],
    ['fd00:d0c::/48', 'fd00:d0c:0:5::/64', true],
    ['fd00:d0c::/48', 'fd00:d0d::/64', false],
    ['fd00:d0c::/47', 'fd00:d0c:1::/64', true],
    ['fd00:d0c::/48', 'fd00:d0c:1::/64', false],
    ['::/0', '10.0.0.0/8', false],
  ])('%s holds %s: %s', (outer, inner, want) => {
    expect(prefixContains(p(outer), p(inner))).toBe(want);
  });
});

describe('host bits', () => {
  it.each([
    ['10.0.0.0/8', false, '10.0.0.0/8'],
    ['10.0.0.5/8', true, '10.0.0.0/8'],
    ['10.200.128.0/17', false, '10.200.128.0/17'],
    ['10.200.128.0/16', true, '10.200.0.0/16'],
    ['fd00:d0c::1/48', true, 'fd00:d0c::/48'],
    ['fd00:d0c:0:1::/48', true, 'fd00:d0c::/48'],
    ['fd00:d0c:1::/48', false, 'fd00:d0c:1::/48'],
    ['fd00:d0c::/48', false, 'fd00:d0c::/48'],
  ])('%s: host bits %s, network %s', (text, bits, network) => {
    const prefix = parseIpPrefix(text) as IpPrefix;
    expect([hasHostBits(prefix), networkOf(prefix)]).toEqual([bits, network]);
  });
});
