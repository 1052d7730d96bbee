/**
 * Tenancy and the `since` / `before` filters of `docker ps` and `docker images`: dockerd looks
 * the value up among every container (image) on the host and cuts the list at its place, so
 * alice naming carol's container got her own containers made after (before) it, which told her
 * when carol's was made; naming nothing got dockerd's "no such container". Now a value naming
 * another tenant's object is refused as any reference to it is (403 `not-owner`); alice's own
 * and nonexistent ones are dockerd's to answer. Seen on a real gateway in front of a private
 * dockerd 20.10: `docker ps -a --filter since=c1` by alice (c1 carol's, made between alice's a1
 * and a2) listed `a2`, and `--filter before=c1` listed `a1`.
 */
import { describe, expect, it } from 'vitest';
import { tenancySuite } from './support/tenancy-suite.js';

const ten = tenancySuite(['alice', 'carol', 'root']);
const { as, names } = ten;

describe('since and before name only what the caller may see', () => {
  it('another tenant\'s container, by name, /name, ID or ID prefix, is refused; the caller\'s own and a missing one are dockerd\'s', async () => {
    const c1 = (await as('carol', ['inspect', '-f', '{{.Id}}', 'ten-c1'])).stdout.trim();
    expect(c1).toMatch(/^[0-9a-f]{64}$/);
    for (const ref of ['ten-c1', '/ten-c1', c1, c1.slice(0, 12)]) {
      for (const filter of ['since', 'before']) {
        const r = await as('alice', ['ps', '-a', '--filter', `${filter}=${ref}`, '--format', '{{.Names}}']);
        expect(r.stdout, `${filter}=${ref}`).toBe('');
        expect(r.stderr, `${filter}=${ref}`).toContain(`dockgate: denied ContainerList for alice: the ${filter} filter's container "${ref}" belongs to another tenant`);
      }
    }
    const missing = await as('alice', ['ps', '-a', '--filter', 'since=ten-no-such']);
    expect(missing.stderr).toContain('no such container ten-no-such');
    expect(await names('alice', ['ps', '-a', '--filter', 'before=ten-a1', '--format', '{{.Names}}'])).toEqual([]);
    expect(await names('carol', ['ps', '-a', '--filter', 'before=ten-c1', '--format', '{{.Names}}'])).toEqual([]);
    // An admin sees every container: nothing is refused.
    expect((await as('root', ['ps', '-a', '--filter', 'since=ten-c1'])).code).toBe(0);
  });

  it('another tenant\'s container by a legacy link name, with or without a leading slash, is refused', async () => {
    // dockerd's since/before look-up compares names with one leading '/' cut from each, link
    // names (`/ten-c2/db` for ten-c1) included: `/ten-c2/db` names carol's ten-c1 there.
    expect((await as('carol', ['create', '--network', 'none', '--name', 'ten-c2', '--link', 'ten-c1:db', 'busybox', 'true'])).code).toBe(0);
    for (const ref of ['ten-c2/db', '/ten-c2/db']) {
      const r = await as('alice', ['ps', '-a', '--filter', `since=${ref}`, '--format', '{{.Names}}']);
      expect(r.stdout, ref).toBe('');
      expect(r.stderr, ref).toContain(`dockgate: denied ContainerList for alice: the since filter's container "${ref}" belongs to another tenant`);
    }
  });

  it('another tenant\'s image is refused; an unowned one and the caller\'s own are not', async () => {
    expect((await as('alice', ['commit', 'ten-a1', 'ten-img-a'])).code).toBe(0);
    expect((await as('carol', ['commit', 'ten-c1', 'ten-img-c'])).code).toBe(0);
    for (const filter of ['since', 'before']) {
      const r = await as('alice', ['images', '--filter', `${filter}=ten-img-c`, '--format', '{{.Repository}}']);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`dockgate: denied ImageList for alice: the ${filter} filter's image "ten-img-c" belongs to another tenant`);
    }
    expect(await names('alice', ['images', '--filter', 'since=busybox', '--format', '{{.Repository}}'])).toContain('ten-img-a');
    expect((await as('alice', ['images', '--filter', 'before=ten-img-a'])).code).toBe(0);
    expect((await as('alice', ['images', '--filter', 'since=ten-no-such-img'])).stderr).toContain('No such image');
  });

  it('more values than a create body may name are refused before any is looked up (one daemon look-up each)', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ['--filter', `${i % 2 ? 'since' : 'before'}=ten-no-such-${i}`]).flat();
    const refused = await as('alice', ['ps', '-a', ...many(257)]);
    expect(refused.stderr).toContain('dockgate: denied ContainerList for alice: the since and before filters name 257 objects; at most 256 are checked');
    // At the bound they are looked up, and dockerd answers for the missing ones.
    expect((await as('alice', ['ps', '-a', ...many(256)])).stderr).toContain('no such container ten-no-such-');
  });
});
