/**
 * `who` entries that never match what they seem to name (rev-config F2). Entries are literal:
 * an IPv4-looking `sans:` entry that is no address can match no certificate and is refused;
 * a pattern, a network or surrounding spaces could still match some certificate's literal text,
 * and gets a warning (policy check, and serve's policy-warning).
 */
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';
import { policyWarnings } from '../../../src/policy/warnings.js';
import { identity, problems, req } from './fixtures.js';

const policy = (who: string) => `version: 1\nrules:\n  - name: d\n    who: ${who}\n    deny: all\n`;

describe('sans: entries that read as IPv4 or IPv6 addresses but are none are refused (rev-config F2, rev-fix-config R4)', () => {
  it.each([
    ['10.0.0.07', '"10.0.0.07" is read as an IPv4 address but is not one (a leading zero or a part above 255): no certificate\'s IP address SAN is written so, and it would never match (write 10.0.0.7)'],
    ['010.0.0.7', '"010.0.0.7" is read as an IPv4 address but is not one (a leading zero or a part above 255): no certificate\'s IP address SAN is written so, and it would never match (write 10.0.0.7)'],
    ['256.1.1.1', '"256.1.1.1" is read as an IPv4 address but is not one (a leading zero or a part above 255): no certificate\'s IP address SAN is written so, and it would never match'],
    ['::ffff:10.0.0.07', '"::ffff:10.0.0.07" is read as an IPv6 address but is not one: no certificate\'s IP address SAN is written so, and it would never match'],
    ['fd00::1%eth0', '"fd00::1%eth0" is read as an IPv6 address but is not one: no certificate\'s IP address SAN is written so, and it would never match (a zone such as %eth0 names an interface, which no IP SAN holds: write fd00::1)'],
    ['1::2::3', '"1::2::3" is read as an IPv6 address but is not one: no certificate\'s IP address SAN is written so, and it would never match'],
  ])('%s', (entry, message) => {
    expect(problems(policy(`{ sans: [ok.example.com, "${entry}"] }`))).toEqual([{ path: 'rules[0].who.sans[1]', line: 4, message }]);
  });

  it('canonical IPv4 and IPv6 in any spelling still load and match', () => {
    const p = loadPolicy(policy('{ sans: ["10.0.0.7", "0:0:0:0:0:0:0:1"] }'));
    expect(decide(p, identity('x', [], { ip: ['10.0.0.7'] }), req('GET', '/info'))).toMatchObject({ outcome: 'deny', rule: 'd' });
    expect(decide(p, identity('x', [], { ip: ['::1'] }), req('GET', '/info'))).toMatchObject({ outcome: 'deny', rule: 'd' });
  });
});

describe('who entries written as patterns, networks or with spaces get a warning', () => {
  it.each([
    ['{ users: ["*"] }', 'rule "d": who.users entry "*" is literal, not a pattern (who entries have no globs): it matches only a certificate whose CN is exactly "*"'],
    ['{ groups: ["dev*"] }', 'rule "d": who.groups entry "dev*" is literal, not a pattern (who entries have no globs): it matches only a certificate whose OU or policy group is exactly "dev*"'],
    ['{ sans: ["*.ci.example.com"] }', 'rule "d": who.sans entry "*.ci.example.com" is literal, not a pattern (who entries have no globs): it matches only a certificate whose SAN is exactly "*.ci.example.com"'],
    ['{ users: ["alice "] }', 'rule "d": who.users entry "alice " has leading or trailing spaces: names are compared exactly, so it matches only a certificate holding them (dockgate certs refuses such names)'],
    ['{ groups: [" ops"] }', 'rule "d": who.groups entry " ops" has leading or trailing spaces: names are compared exactly, so it matches only a certificate holding them (dockgate certs refuses such names)'],
    ['{ sans: ["10.0.0.0/8"] }', 'rule "d": who.sans entry "10.0.0.0/8" is a network, which sans: does not take (entries are literal, no CIDR): it is compared as a DNS name and matches no IP address SAN; list the addresses'],
    ['{ sans: ["fd00::/8"] }', 'rule "d": who.sans entry "fd00::/8" is a network, which sans: does not take (entries are literal, no CIDR): it is compared as a URI and matches no IP address SAN; list the addresses'],
    ['{ users: ["mal\u200Blory"] }', 'rule "d": who.users entry "mal\\u200Blory" holds an invisible, control or replacement character: names are compared exactly, so it matches only a certificate holding that very character'],
    ['{ groups: ["dev\u202Eops"] }', 'rule "d": who.groups entry "dev\\u202Eops" holds an invisible, control or replacement character: names are compared exactly, so it matches only a certificate holding that very character'],
    ['{ users: ["Jos\uFFFD"] }', 'rule "d": who.users entry "Jos\\uFFFD" holds an invisible, control or replacement character: names are compared exactly, so it matches only a certificate holding that very character'],
    ['{ users: ["Jose\u0301"] }', 'rule "d": who.users entry "Jose\\u0301" is not in Unicode NFC (its accents are separate characters, as some editors save them): names are compared exactly, and certificates usually hold the composed form "Jos\u00e9"'],
  ])('%s', (who, warning) => {
    const p = loadPolicy(policy(who));
    expect(policyWarnings(p)).toContain(warning);
  });

  it.each([
    // rev-fix29 M1: more blank-looking characters, and names outside rules.
    ['{ users: ["mal\u3164lory"] }', 'who.users entry "mal\\u3164lory" holds'],
    ['{ users: ["mal\u2800lory"] }', 'who.users entry "mal\\u2800lory" holds'],
    ['{ users: ["mal\u034Flory"] }', 'who.users entry "mal\\u034Flory" holds'],
    ['{ users: ["mal\uFE0Flory"] }', 'who.users entry "mal\\uFE0Flory" holds'],
    // Beyond U+FFFF: written as its UTF-16 pair, as JSON and JavaScript read it (not \uE0100, which reads as U+E010 and a 0).
    ['{ users: ["mal\u{E0100}lory"] }', 'who.users entry "mal\\uDB40\\uDD00lory" holds'],
    ['{ users: ["mal\u2028lory"] }', 'who.users entry "mal\\u2028lory" holds'],
    ['{ users: ["mal\uE000lory"] }', 'who.users entry "mal\\uE000lory" holds'],
    ['{ users: ["mal\u00A0lory"] }', 'who.users entry "mal\\u00A0lory" holds'],
  ])('%s', (who, warning) => {
    expect(policyWarnings(loadPolicy(policy(who))).some((w) => w.includes(warning))).toBe(true);
  });

  it.each([
    ['groups: { ops: ["mal\u200Blory"] }\n', 'groups: member "mal\\u200Blory" holds an invisible'],
    ['groups: { "op\u200Bs": [mallory] }\n', 'groups: group name "op\\u200Bs" holds an invisible'],
    ['groups: { ops: ["Jose\u0301"] }\n', 'groups: member "Jose\\u0301" is not in Unicode NFC'],
    ['tenancy: { unowned: [images], admins: { users: ["ro\u200Bot"] } }\n', 'tenancy.admins.users entry "ro\\u200Bot" holds'],
    ['tenancy: { unowned: [images], admins: { groups: ["op\u200Bs"] } }\n', 'tenancy.admins.groups entry "op\\u200Bs" holds'],
    ['tenancy: { unowned: [images], teams: ["we\u200Bb"] }\n', 'tenancy.teams entry "we\\u200Bb" holds'],
    // Surrounding spaces, warned in a rule's who, outside rules too.
    ['groups: { ops: ["alice "] }\n', 'groups: member "alice " has leading or trailing spaces: names are compared exactly, so it matches only a certificate holding them (dockgate certs refuses such names)'],
    ['groups: { ops: ["\u00A0alice"] }\n', 'groups: member "\\u00A0alice" holds an invisible'],
    ['groups: { " ops": [alice] }\n', 'groups: group name " ops" has leading or trailing spaces'],
    ['tenancy: { unowned: [images], admins: { users: ["root "] } }\n', 'tenancy.admins.users entry "root " has leading or trailing spaces'],
    ['tenancy: { unowned: [images], admins: { groups: ["\tops"] } }\n', 'tenancy.admins.groups entry "\\u0009ops" holds an invisible'],
    ['tenancy: { unowned: [images], admins: { groups: [" ops"] } }\n', 'tenancy.admins.groups entry " ops" has leading or trailing spaces'],
    ['tenancy: { unowned: [images], teams: ["web "] }\n', 'tenancy.teams entry "web " has leading or trailing spaces'],
  ])('outside rules: %j', (section, warning) => {
    const p = loadPolicy(`version: 1\n${section}rules:\n  - name: d\n    who: { anyone: true }\n    deny: all\n`);
    expect(policyWarnings(p).filter((w) => w.includes(warning))).toHaveLength(1);
  });

  it.each([
    // A dot at either end of a user or group name (names37): `alice.` reads as alice ending a sentence.
    ['{ users: ["alice."] }', 'rule "d": who.users entry "alice." has a leading or trailing dot: names are compared exactly, so it matches only a certificate holding the dot, not "alice"'],
    ['{ users: [".alice"] }', 'rule "d": who.users entry ".alice" has a leading or trailing dot: names are compared exactly, so it matches only a certificate holding the dot, not "alice"'],
    ['{ users: ["alice.."] }', 'rule "d": who.users entry "alice.." has a leading or trailing dot: names are compared exactly, so it matches only a certificate holding the dot, not "alice"'],
    ['{ users: ["."] }', 'rule "d": who.users entry "." has a leading or trailing dot: names are compared exactly, so it matches only a certificate holding the dot'],
    ['{ groups: ["ops."] }', 'rule "d": who.groups entry "ops." has a leading or trailing dot: names are compared exactly, so it matches only a certificate holding the dot, not "ops"'],
    // Spaces and invisible characters come first, one warning per entry.
    ['{ users: ["alice. "] }', 'rule "d": who.users entry "alice. " has leading or trailing spaces'],
    ['{ users: ["alice.\u200B"] }', 'rule "d": who.users entry "alice.\\u200B" holds an invisible'],
  ])('edge dots in a rule: %s', (who, warning) => {
    const warnings = policyWarnings(loadPolicy(policy(who))).filter((w) => w.includes('who.'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(warning);
  });

  it.each([
    ['groups: { ops: ["alice."] }\n', 'groups: member "alice." has a leading or trailing dot: names are compared exactly, so it matches only a certificate holding the dot, not "alice"'],
    ['groups: { "ops.": [alice] }\n', 'groups: group name "ops." has a leading or trailing dot'],
    ['tenancy: { unowned: [images], admins: { users: [".root"] } }\n', 'tenancy.admins.users entry ".root" has a leading or trailing dot'],
    ['tenancy: { unowned: [images], admins: { groups: ["ops."] } }\n', 'tenancy.admins.groups entry "ops." has a leading or trailing dot'],
    ['tenancy: { unowned: [images], teams: ["web."] }\n', 'tenancy.teams entry "web." has a leading or trailing dot'],
  ])('edge dots outside rules: %j', (section, warning) => {
    const p = loadPolicy(`version: 1\n${section}rules:\n  - name: d\n    who: { anyone: true }\n    deny: all\n`);
    expect(policyWarnings(p).filter((w) => w.includes(warning))).toHaveLength(1);
  });

  it('dots inside names, and DNS SANs (which have their own trailing-dot warning), get no edge-dot warning', () => {
    const p = loadPolicy(policy('{ users: ["j.smith", "a.b.c"], groups: ["team.web"], sans: ["gw.example.com.", ".example.com"] }'));
    expect(policyWarnings(p).filter((w) => w.includes('leading or trailing dot'))).toEqual([]);
  });

  it('names with ordinary spaces, accents and scripts get none, in rules or outside', () => {
    const p = loadPolicy('version: 1\ngroups: { "dev team": ["Alice Smith", "José", "日本"] }\ntenancy: { unowned: [images], admins: { users: ["Zoë"] }, teams: [web] }\nrules:\n  - name: d\n    who: { users: ["Alice Smith"] }\n    deny: all\n');
    expect(policyWarnings(p).filter((w) => /invisible|NFC/.test(w))).toEqual([]);
  });

  it('plain names, addresses and URIs get none', () => {
    const p = loadPolicy(policy('{ users: [alice, "0042", "José", "日本"], groups: [dev], sans: ["10.0.0.7", "::1", "spiffe://example.org/ci", a@example.com, build1.ci.example.com] }'));
    expect(policyWarnings(p).filter((w) => w.includes('who.'))).toEqual([]);
  });
});

describe('URI SANs with an IPv6 host or a query are no patterns (rev-fix-config R3)', () => {
  it('no warning for a bracketed IPv6 host or a query', () => {
    const p = loadPolicy(policy('{ sans: ["https://[fd00::1]:8443/svc", "https://ci.example.com/job?id=1", "spiffe://[::1]/a?x=?"] }'));
    expect(policyWarnings(p).filter((w) => w.includes('who.'))).toEqual([]);
  });
  it.each([
    ['{ sans: ["spiffe://example.org/ci-*"] }', 'spiffe://example.org/ci-*'],
    ['{ sans: ["spiffe://example.org/ci[12]"] }', 'spiffe://example.org/ci[12]'],
    ['{ sans: ["https://[fd00::1]/job?id=*"] }', 'https://[fd00::1]/job?id=*'],
    ['{ groups: ["team[1]"] }', 'team[1]'],
    ['{ users: ["ci-?"] }', 'ci-?'],
  ])('real globs still warned: %s', (who, entry) => {
    expect(policyWarnings(loadPolicy(policy(who))).some((w) => w.includes(`${JSON.stringify(entry)} is literal, not a pattern`))).toBe(true);
  });
});

describe('other sans: entries: URIs with colons load, a DNS name with a trailing dot is warned about (rev-fix-config R4)', () => {
  it('URIs with colons and hex-looking schemes still load', () => {
    expect(() => loadPolicy(policy('{ sans: ["cafe:beef", "cafe:beef:dead", "urn:x:y", "::1", "::ffff:10.0.0.7"] }'))).not.toThrow();
  });
  it('a DNS entry with a trailing dot gets a warning', () => {
    const p = loadPolicy(policy('{ sans: ["host.example.com.", "host.example.com"] }'));
    expect(policyWarnings(p).filter((w) => w.includes('who.'))).toEqual([
      'rule "d": who.sans entry "host.example.com." ends with a dot: DNS SANs are compared exactly and certificates name hosts without it, so it matches only a certificate whose DNS SAN is exactly "host.example.com."; write "host.example.com"',
    ]);
  });
});
