/**
 * Deployment artefacts, each checked with the real tool: the systemd unit with
 * `systemd-analyze verify`, the compose file with Debian's `docker-compose config`, and the
 * container image built and run on the suite's private dockerd by scripts/ci-image.sh (which
 * also runs the docker CLI smoke through the containerised gateway).
 */
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { run } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';

const UNIT = resolve('deploy/dockgate.service');
const COMPOSE = resolve('deploy/compose.yaml');

/** `key=value` lines of a unit file (every occurrence, in order). */
function unitEntries(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as [string, string];
    });
}

/**
 * A copy of the unit whose ExecStart names an executable that exists here: `verify` refuses a
 * unit whose binary is missing, and dockgate is not installed system-wide on a CI machine.
 */
function verifiableCopy(transform: (text: string) => string = (t) => t): string {
  const dir = scratchDir('unit-');
  const stand = join(dir, 'dockgate');
  writeFileSync(stand, '#!/bin/sh\nexit 0\n');
  chmodSync(stand, 0o755);
  const text = readFileSync(UNIT, 'utf8').replace(/^ExecStart=\/usr\/local\/bin\/dockgate /m, `ExecStart=${stand} `);
  const copy = join(dir, 'dockgate.service');
  writeFileSync(copy, transform(text));
  return copy;
}

describe('deploy/dockgate.service', () => {
  const entries = unitEntries(readFileSync(UNIT, 'utf8'));
  const values = (key: string): string[] => entries.filter(([k]) => k === key).map(([, v]) => v);

  it('names the installed binary, so the copy verified below differs only there', () => {
    expect(values('ExecStart')).toEqual(['/usr/local/bin/dockgate serve']);
  });

  it.each([
    ['User', 'dockgate'],
    ['SupplementaryGroups', 'docker'],
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['PrivateTmp', 'yes'],
    ['ProtectHome', 'yes'],
    ['RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6 AF_NETLINK'],
    ['CapabilityBoundingSet', ''],
    ['Restart', 'on-failure'],
    ['KillSignal', 'SIGTERM'],
    ['StateDirectory', 'dockgate'],
    ['WorkingDirectory', '/var/lib/dockgate'],
  ])('sets %s=%s', (key, value) => {
    expect(values(key)).toEqual([value]);
  });

  it('passes systemd-analyze verify', async () => {
    const r = await run('systemd-analyze', ['verify', verifiableCopy()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('systemd-analyze verify really checks the copy: a relative ExecStart fails it', async () => {
    const r = await run('systemd-analyze', ['verify', verifiableCopy((t) => t.replace('ExecStart=/', 'ExecStart=relative/'))]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Neither a valid executable name nor an absolute path: relative/');
  });
});

describe('deploy/dockgate-crl.service and .timer', () => {
  const crlUnit = resolve('deploy/dockgate-crl.service');
  const entries = unitEntries(readFileSync(crlUnit, 'utf8'));
  const values = (key: string): string[] => entries.filter(([k]) => k === key).map(([, v]) => v);

  it('re-sign the CRL where dockgate.service keeps its certificates, as its user', () => {
    const service = unitEntries(readFileSync(UNIT, 'utf8'));
    expect(service).toContainEqual(['StateDirectory', 'dockgate']);
    expect(service).toContainEqual(['User', 'dockgate']);
    expect(values('ExecStart')).toEqual(['/usr/local/bin/dockgate certs crl --dir /var/lib/dockgate/certs']);
    expect(values('User')).toEqual(['dockgate']);
    expect(values('ReadWritePaths')).toEqual(['/var/lib/dockgate/certs']);
  });

  it('pass systemd-analyze verify together', async () => {
    const dir = scratchDir('crl-unit-');
    writeFileSync(join(dir, 'dockgate-crl.service'), readFileSync(crlUnit, 'utf8').replace(/^ExecStart=\/usr\/local\/bin\/dockgate /m, 'ExecStart=/bin/true '));
    writeFileSync(join(dir, 'dockgate-crl.timer'), readFileSync(resolve('deploy/dockgate-crl.timer'), 'utf8'));
    const r = await run('systemd-analyze', ['verify', join(dir, 'dockgate-crl.service'), join(dir, 'dockgate-crl.timer')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('deploy/compose.yaml', () => {
  const env = { ...process.env, DOCKER_GID: '998' };

  it('is accepted by docker-compose config, hardened, with read-only certificate and config directories', async () => {
    const r = await run('docker-compose', ['-f', COMPOSE, 'config'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('read_only: true');
    expect(out).toMatch(/cap_drop:\n\s+- ALL/);
    expect(out).toContain('no-new-privileges:true');
    expect(out).toContain('user: 10001:998');
    expect(out).toContain('published: 2376');
    expect(out).toContain(`${resolve('deploy/certs')}:/var/lib/dockgate/certs:ro`);
    // Directories, not files: a single-file bind mount pins the inode, and a policy replaced by
    // rename on the host would never reach the container.
    expect(out).toContain(`${resolve('deploy/etc')}:/etc/dockgate:ro`);
    expect(out).not.toMatch(/\.ya?ml:\/etc\/dockgate/);
    expect(out).toContain('/var/run/docker.sock:/var/run/docker.sock');
  });

  it('refuses to render without the socket group', async () => {
    const rest = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DOCKER_GID'));
    const r = await run('docker-compose', ['-f', COMPOSE, 'config'], { env: rest });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('DOCKER_GID');
  });
});

describe('container image (scripts/ci-image.sh on the private daemon)', () => {
  it(
    'builds, runs hardened with host networking, and serves the docker CLI smoke',
    async () => {
      const socket = inject('dockerSocket');
      const r = await run('bash', ['scripts/ci-image.sh'], {
        env: { ...process.env, DOCKGATE_CI_DOCKER_SOCK: socket },
        timeoutMs: 25 * 60_000,
      });
      if (r.code !== 0) throw new Error(`ci-image.sh exited ${r.code}:\n${r.stderr.slice(-6000)}`);
      expect(r.stderr).toContain('[ci-image] OK');
      const size = /IMAGE_SIZE_BYTES=(\d+)/.exec(r.stdout);
      expect(size).not.toBeNull();
      console.log(`dockgate image size: ${Math.round(Number(size?.[1]) / 1e6)} MB`);
    },
    30 * 60_000,
  );
});
