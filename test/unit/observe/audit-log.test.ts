import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirs } from '../../../src/observe/audit-file.js';
import { createAuditLog } from '../../../src/observe/audit-log.js';
import { auditLine } from '../../../src/observe/audit-line.js';
import { toAuditRecord } from '../../../src/observe/audit-record.js';
import { facts, operation, record } from './fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockgate-audit-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

describe('toAuditRecord', () => {
  it('builds the documented record', () => {
    const create = operation('ContainerCreate', 'POST', '/containers/create');
    const got = toAuditRecord(
      record({
        method: 'POST',
        rawTarget: '/v1.41/containers/create?name=web',
        facts: facts(create, { path: '/containers/create', query: { name: 'web' }, body: { Image: 'busybox', HostConfig: { Privileged: true } } }),
        decision: { forward: false, outcome: 'deny', rule: 'no-privileged', code: 'privileged', reason: 'privileged containers are not allowed' },
        outcome: 'deny',
        status: 403,
        bytesIn: 120,
        bytesOut: 80,
        headers: { 'user-agent': 'Docker-Client/29.7.2 (linux)', 'x-registry-auth': 'c2VjcmV0' },
      }),
    );
    expect(got).toEqual({
      time: '2025-01-02T03:04:05.678Z',
      requestId: 'req-1',
      client: '127.0.0.1:50000',
      identity: { cn: 'alice', groups: ['dev', 'ops'], fingerprint: 'ab'.repeat(32), serial: '01', issuer: 'CN=dockgate test CA' },
      method: 'POST',
      path: '/containers/create',
      apiVersion: '1.41',
      operation: 'ContainerCreate',
      fields: { name: 'web', image: 'busybox', privileged: true },
      decision: 'deny',
      rule: 'no-privileged',
      code: 'privileged',
      reason: 'privileged containers are not allowed',
      status: 403,
      bytesIn: 120,
      bytesOut: 80,
      durationMs: 5.25,
      headersMs: 4.5,
      stream: false,
      userAgent: 'Docker-Client/29.7.2 (linux)',
    });
  });

  it.each([
    ['an exchange that ended by itself', undefined],
    ['one on a connection cut for a revoked certificate', 'revoked'],
    ['one on a connection cut for a CA no longer trusted', 'untrusted'],
    ['one on a connection cut at the end of the shutdown\'s grace', 'shutdown'],
  ] as const)('endedBy: %s', (_name, endedBy) => {
    const got = toAuditRecord(record({ stream: true, endedBy }));
    if (endedBy === undefined) expect(got).not.toHaveProperty('endedBy');
    else expect(got).toMatchObject({ decision: 'allow', status: 200, endedBy });
  });

  it.each([
    ['no daemon error', undefined],
    ['the daemon unreachable (the gateway answered 502)', 'unreachable: ENOENT'],
    ['the daemon connection broken mid-stream', 'failed: ECONNRESET'],
  ] as const)('upstreamError: %s', (_name, upstreamError) => {
    const got = toAuditRecord(record({ stream: true, upstreamError }));
    if (upstreamError === undefined) expect(got).not.toHaveProperty('upstreamError');
    else expect(got).toMatchObject({ decision: 'allow', upstreamError });
  });

  it('records malformed requests with the escaped raw path and the reason', () => {
    const got = toAuditRecord(
      record({ facts: undefined, decision: undefined, identity: undefined, outcome: 'malformed', status: 400, reason: 'duplicate key', rawTarget: '/v1.41/x%00?a=b', headersMs: undefined }),
    );
    expect(got).toMatchObject({ path: '/v1.41/x%00', operation: 'unknown', decision: 'malformed', reason: 'duplicate key', status: 400 });
    expect(got).not.toHaveProperty('identity');
    expect(got).not.toHaveProperty('rule');
    expect(got).not.toHaveProperty('headersMs');
  });
});

describe('createAuditLog', () => {
  it('writes one line per record; a newline in a container name cannot forge a record', async () => {
    const file = join(dir, 'sub', 'audit.log');
    const log = createAuditLog({ file });
    const evil = 'web\n{"requestId":"forged","decision":"allow"}\r\n';
    const create = operation('ContainerCreate');
    log.write(toAuditRecord(record({ requestId: 'r1', facts: facts(create, { query: { name: evil } }) })));
    log.write(toAuditRecord(record({ requestId: 'r2' })));
    await log.close();
    const got = lines(file);
    expect(got).toHaveLength(2);
    const first = JSON.parse(got[0]!);
    expect(first.type).toBe('decision');
    expect(first.requestId).toBe('r1');
    expect(first.fields.name).toBe(evil);
    expect(readFileSync(file, 'utf8')).not.toContain('\r');
  });

  it('escapes control characters, ANSI sequences, C1 controls and line separators', async () => {
    const file = join(dir, 'audit.log');
    const log = createAuditLog({ file });
    const nasty = 'a\u001b[31mred\u009b2J\u2028b\u2029c\u0007\u007f\u0085d\u202e';
    log.write(toAuditRecord(record({ facts: facts(operation('ContainerStart'), { params: { name: nasty } }) })));
    await log.close();
    const raw = readFileSync(file, 'utf8');
    // eslint-disable-next-line no-control-regex
    expect(raw.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e]/);
    expect(raw.endsWith('\n')).toBe(true);
    expect(JSON.parse(raw).fields.name).toBe(nasty);
  });

  it('never writes registry credentials, env values or secrets', async () => {
    const file = join(dir, 'audit.log');
    const log = createAuditLog({ file });
    const auth = Buffer.from(JSON.stringify({ username: 'bob', password: 'REGPASS-123' })).toString('base64url');
    const create = operation('ContainerCreate');
    const service = operation('ServiceCreate');
    const headers = { 'x-registry-auth': auth, 'x-registry-config': auth, 'user-agent': 'curl' };
    log.write(toAuditRecord(record({ headers, facts: facts(create, { body: { Image: 'a', Env: ['DB_PASSWORD=ENVPASS-456'] } }) })));
    log.write(
      toAuditRecord(
        record({ headers, facts: facts(service, { body: { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'a', Secrets: [{ SecretName: 'SECRETNAME-789' }] } } } }) }),
      ),
    );
    log.write(toAuditRecord(record({ headers, facts: undefined, rawTarget: '/build?buildargs={"K":"ARGPASS-000"}' })));
    await log.close();
    const raw = readFileSync(file, 'utf8');
    expect(lines(file)).toHaveLength(3);
    for (const secret of [auth, 'REGPASS-123', 'bob', 'ENVPASS-456', 'SECRETNAME-789', 'ARGPASS-000']) expect(raw).not.toContain(secret);
    expect(raw).toContain('DB_PASSWORD');
  });

  it('loses no record across rename + reopen (logrotate with SIGUSR1)', async () => {
    const file = join(dir, 'audit.log');
    const rotated = join(dir, 'audit.log.1');
    const log = createAuditLog({ file });
    await log.ready;
    const n = 2000;
    for (let i = 0; i < n; i++) log.write(toAuditRecord(record({ requestId: `before-${i}` })));
    // Rotate while sonic-boom still has writes in flight.
    renameSync(file, rotated);
    log.reopen();
    for (let i = 0; i < n; i++) log.write(toAuditRecord(record({ requestId: `after-${i}` })));
    await log.close();
    const old = lines(rotated);
    const fresh = lines(file);
    expect(old.length).toBeGreaterThan(0);
    expect(fresh.length).toBeGreaterThan(0);
    expect(old.length + fresh.length).toBe(2 * n);
    const ids = new Set([...old, ...fresh].map((l) => JSON.parse(l).requestId as string));
    expect(ids.size).toBe(2 * n);
    // Everything written after the reopen is in the new file.
    expect(fresh.filter((l) => l.includes('"after-')).length).toBe(n);
  });

  it('ready rejects when the file cannot be opened, and onError is not called for it', async () => {
    // A regular file where a directory should be: mkdir fails (EEXIST or ENOTDIR).
    writeFileSync(join(dir, 'not-a-dir'), '');
    const errors: Error[] = [];
    const log = createAuditLog({ file: join(dir, 'not-a-dir', 'audit.log'), onError: (e) => errors.push(e) });
    await expect(log.ready).rejects.toThrow(/EEXIST|ENOTDIR/);
    // rev-docs: the gateway's onError logged "audit log write failed" for it, a stray line
    // before serve's list of configuration problems, which already names the file.
    expect(errors).toEqual([]);
  });

  it('creates missing parent directories, several levels deep', async () => {
    const file = join(dir, 'a', 'b', 'c', 'audit.log');
    const log = createAuditLog({ file });
    await log.ready;
    log.write(toAuditRecord(record({})));
    await log.close();
    expect(lines(file)).toHaveLength(1);
  });

  it('a parent that refuses new entries with ENOENT (/proc) fails at once; Node 20’s recursive mkdir would spin for ever', async () => {
    // A spin would end in the test's own timeout; no timed assertion.
    const log = createAuditLog({ file: '/proc/dockgate-nope/x/audit.log' });
    await expect(log.ready).rejects.toThrow(/ENOENT.*mkdir '\/proc\/dockgate-nope'/);
  });

  it('makeDirs: an existing directory is fine; a file in the way is not', () => {
    makeDirs(dir);
    writeFileSync(join(dir, 'f'), '');
    expect(() => makeDirs(join(dir, 'f', 'sub'))).toThrow(/ENOTDIR/);
  });

  it('flush resolves once written records are on disk', async () => {
    const file = join(dir, 'audit.log');
    const log = createAuditLog({ file });
    for (let i = 0; i < 500; i++) log.write(toAuditRecord(record({ requestId: `r${i}` })));
    await log.flush();
    expect(lines(file)).toHaveLength(500);
    await log.close();
    log.write(toAuditRecord(record()));
    expect(lines(file)).toHaveLength(500);
  });

  it('writes the records of one event-loop turn together, after the turn', async () => {
    const file = join(dir, 'audit.log');
    const log = createAuditLog({ file });
    for (let i = 0; i < 3; i++) log.write(toAuditRecord(record({ requestId: `t${i}` })));
    // Nothing yet: the write happens once, at the end of this turn.
    expect(readFileSync(file, 'utf8')).toBe('');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines(file).map((l) => JSON.parse(l).requestId)).toEqual(['t0', 't1', 't2']);
    await log.close();
  });

  it('keeps records a failing destination refuses, reports the failure once, and caps the backlog', async () => {
    // /dev/full refuses every write with ENOSPC.
    const errors: Error[] = [];
    const line = JSON.stringify(toAuditRecord(record())).length;
    const log = createAuditLog({ file: '/dev/full', onError: (e) => errors.push(e), maxBacklogBytes: 10 * line });
    for (let i = 0; i < 5; i++) log.write(toAuditRecord(record({ requestId: `f${i}` })));
    await log.flush(300);
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
    // Over the cap: the oldest whole records are dropped, and that is reported.
    for (let i = 0; i < 20; i++) log.write(toAuditRecord(record({ requestId: `g${i}` })));
    await log.flush(300);
    expect(errors).toHaveLength(2);
    expect(errors[1]?.message).toMatch(/dropped \d+ bytes of the oldest records \(\d+ records\)/);
    await log.close();
  });

  it('records dropped past the backlog cap are counted as lost when they are dropped, the rest when close gives up', async () => {
    const one = Buffer.byteLength(auditLine(toAuditRecord(record({ requestId: 'c0' }))));
    const errors: string[] = [];
    const log = createAuditLog({
      file: join(dir, 'audit.log'),
      // Room for three and a half records: of ten refused ones the oldest seven go.
      maxBacklogBytes: Math.floor(3.5 * one),
      closeTimeoutMs: 100,
      onError: (e) => errors.push(e.message),
      writeSync() {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    });
    expect(log.health().lostRecords).toBe(0);
    for (let i = 0; i < 10; i++) log.write(toAuditRecord(record({ requestId: `c${i}` })));
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.health()).toMatchObject({ backlogBytes: 3 * one, lostRecords: 7 });
    expect(errors).toContain(`audit log destination refuses writes: dropped ${7 * one} bytes of the oldest records (7 records)`);
    // The three held ones are lost too once close gives up on them.
    expect((await log.close()).records).toBe(3);
    expect(log.health().lostRecords).toBe(10);
  });

  it('a record left as a broken line (stdout cannot be cut back) is counted as lost at once, with those dropped past the cap', async () => {
    const one = Buffer.byteLength(auditLine(toAuditRecord(record({ requestId: 'b0' }))));
    let calls = 0;
    const log = createAuditLog({
      maxBacklogBytes: Math.floor(2.5 * one),
      closeTimeoutMs: 100,
      onError: () => {},
      // stdout on a pipe that takes half of the first record, then refuses.
      writeSync(_fd, _buf, _off, len) {
        calls += 1;
        if (calls === 1) return Math.min(len, Math.floor(one / 2));
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      },
    });
    for (let i = 0; i < 4; i++) log.write(toAuditRecord(record({ requestId: `b${i}` })));
    await new Promise((resolve) => setImmediate(resolve));
    // Over the cap with b0 half written: b0 is ended as a broken line, b1 is dropped, b2 and b3 are held.
    expect(log.health()).toMatchObject({ backlogBytes: 2 * one + 1, lostRecords: 2 });
    // close reports the broken record and the two it could not write; the count has all four.
    expect((await log.close()).records).toBe(3);
    expect(log.health().lostRecords).toBe(4);
  });

  it('while the destination refuses, new records wait for the retry (no write attempt per turn), and all arrive in order once it takes writes', async () => {
    const file = join(dir, 'audit.log');
    let refusing = true;
    let attempts = 0;
    const log = createAuditLog({
      file,
      onError: () => {},
      writeSync(fd, buf, off, len) {
        attempts += 1;
        if (refusing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return writeSync(fd, buf, off, len);
      },
    });
    log.write(toAuditRecord(record({ requestId: 'w0' })));
    await new Promise((resolve) => setImmediate(resolve));
    expect(attempts).toBe(1);
    // 30 more turns with records, all before the first retry (100 ms): no attempt among them.
    for (let i = 1; i <= 30; i++) {
      log.write(toAuditRecord(record({ requestId: `w${i}` })));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(attempts).toBe(1);
    refusing = false;
    await log.flush(2000);
    expect(lines(file).map((l) => JSON.parse(l).requestId)).toEqual(Array.from({ length: 31 }, (_, i) => `w${i}`));
    await log.close();
  });

  it('health says how much is held and since when the destination refuses, and clears once it takes writes', async () => {
    const file = join(dir, 'audit.log');
    let refusing = true;
    const log = createAuditLog({
      file,
      onError: () => {},
      writeSync(fd, buf, off, len) {
        if (refusing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return writeSync(fd, buf, off, len);
      },
    });
    expect(log.health()).toEqual({ backlogBytes: 0, refusingSince: undefined, error: undefined, lostRecords: 0 });
    const before = Date.now();
    log.write(toAuditRecord(record({ requestId: 'h0' })));
    await new Promise((resolve) => setImmediate(resolve));
    const held = log.health();
    expect(held.backlogBytes).toBe(Buffer.byteLength(auditLine(toAuditRecord(record({ requestId: 'h0' })))));
    expect(held.refusingSince).toBeGreaterThanOrEqual(before);
    expect(held.error).toBe('ENOSPC');
    refusing = false;
    await log.flush(2000);
    expect(log.health()).toEqual({ backlogBytes: 0, refusingSince: undefined, error: undefined, lostRecords: 0 });
    await log.close();
  });

  it('a pipe whose reader reads again after a stall: each retry that gets some bytes in is followed by another at once, not after a growing delay', async () => {
    const file = join(dir, 'audit.log');
    // A pipe of 4 KiB whose reader empties it between attempts: each write call takes what
    // fits, the next one finds it full (EAGAIN), the one after that finds it empty again.
    let room = 0;
    const log = createAuditLog({
      file,
      onError: () => {},
      writeSync(fd, buf, off, len) {
        if (room === 0) {
          room = 4096;
          throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
        }
        const n = writeSync(fd, buf, off, Math.min(len, room));
        room -= n;
        return n;
      },
    });
    const n = 600; // about 300 KiB: some 75 pipefuls
    for (let i = 0; i < n; i++) log.write(toAuditRecord(record({ requestId: `p${i}`, reason: 'x'.repeat(400) })));
    await new Promise((resolve) => setImmediate(resolve));
    const held = log.health();
    expect(held.backlogBytes).toBeGreaterThan(200_000);
    // With the retry doubling up to 2 s, 75 pipefuls took over two minutes.
    await log.flush(5000);
    expect(log.health()).toEqual({ backlogBytes: 0, refusingSince: undefined, error: undefined, lostRecords: 0 });
    expect(lines(file).map((l) => JSON.parse(l).requestId)).toEqual(Array.from({ length: n }, (_, i) => `p${i}`));
    await log.close();
  });

  it('a full pipe (EAGAIN) is reported only once it has refused for 2 s', async () => {
    const errors: string[] = [];
    let attempts = 0;
    const log = createAuditLog({
      file: join(dir, 'audit.log'),
      closeTimeoutMs: 100,
      onError: (e) => errors.push((e as NodeJS.ErrnoException).code ?? e.message),
      writeSync() {
        attempts += 1;
        throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
      },
    });
    log.write(toAuditRecord(record()));
    await log.flush(500);
    expect(errors).toEqual([]);
    await log.flush(2500);
    expect(errors).toEqual(['EAGAIN']);
    expect(attempts).toBeGreaterThan(2);
    await log.close();
  });

  it('a file deleted under it is noticed and reopened at its path; records go on into the new file', async () => {
    const file = join(dir, 'audit.log');
    const reopened: string[] = [];
    const log = createAuditLog({ file, pathCheckMs: 50, onReopened: (why) => reopened.push(why) });
    log.write(toAuditRecord(record({ requestId: 'd0' })));
    await log.flush();
    rmSync(file);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reopened).toEqual(['the file was deleted or moved away']);
    log.write(toAuditRecord(record({ requestId: 'd1' })));
    await log.close();
    expect(lines(file).map((l) => JSON.parse(l).requestId)).toEqual(['d1']);
  });

  it('a file moved away and replaced without SIGUSR1 is reopened: what came before stays in the moved file', async () => {
    const file = join(dir, 'audit.log');
    const reopened: string[] = [];
    const log = createAuditLog({ file, pathCheckMs: 50, onReopened: (why) => reopened.push(why) });
    log.write(toAuditRecord(record({ requestId: 'm0' })));
    await log.flush();
    renameSync(file, `${file}.1`);
    writeFileSync(file, '');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reopened).toEqual(['the path names another file (moved without SIGUSR1?)']);
    log.write(toAuditRecord(record({ requestId: 'm1' })));
    await log.close();
    expect(lines(`${file}.1`).map((l) => JSON.parse(l).requestId)).toEqual(['m0']);
    expect(lines(file).map((l) => JSON.parse(l).requestId)).toEqual(['m1']);
  });

  it('a FIFO whose reader stops does not block the writer: the records wait, and arrive once it reads', async () => {
    const fifo = join(dir, 'audit.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader that reads nothing yet (non-blocking, so opening it does not wait for a writer).
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const errors: string[] = [];
    const log = createAuditLog({ file: fifo, onError: (e) => errors.push((e as NodeJS.ErrnoException).code ?? e.message), closeTimeoutMs: 100 });
    await log.ready;
    const n = 400; // well over a pipe's 64 KiB
    for (let i = 0; i < n; i++) log.write(toAuditRecord(record({ requestId: `p${i}` })));
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.health().backlogBytes).toBeGreaterThan(0);
    expect(log.health().error).toBe('EAGAIN');
    let text = '';
    const chunk = Buffer.alloc(65536);
    for (let tries = 0; tries < 200 && text.split('\n').length - 1 < n; tries++) {
      try {
        const got = readSync(reader, chunk, 0, chunk.length, null);
        text += chunk.subarray(0, got).toString('utf8');
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l).requestId)).toEqual(Array.from({ length: n }, (_, i) => `p${i}`));
    expect(log.health().backlogBytes).toBe(0);
    await log.close();
    closeSync(reader);
  });

  it('a path that cannot be reopened (a directory in its place): reported once, health says so, records into the deleted file count as lost', async () => {
    const file = join(dir, 'audit.log');
    const errors: string[] = [];
    const log = createAuditLog({ file, pathCheckMs: 50, onError: (e) => errors.push(e.message) });
    log.write(toAuditRecord(record({ requestId: 'q0' })));
    await log.flush();
    rmSync(file);
    mkdirSync(file);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 1; i <= 3; i++) log.write(toAuditRecord(record({ requestId: `q${i}` })));
    await log.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const opens = errors.filter((m) => m.includes('cannot be opened again'));
    expect(opens).toHaveLength(1);
    expect(opens[0]).toContain('EISDIR');
    expect(opens[0]).toContain('which is deleted: they are lost');
    const health = log.health();
    expect(health.refusingSince).toBeDefined();
    expect(health.error).toBe('cannot reopen the audit file: EISDIR');
    // Counted as they go into the deleted file, not only at close.
    expect(health.lostRecords).toBe(3);
    log.write(toAuditRecord(record({ requestId: 'q4' })));
    await log.flush();
    expect(log.health().lostRecords).toBe(4);
    const lost = await log.close();
    expect(lost.records).toBe(4);
    expect(log.health().lostRecords).toBe(4);
    expect(errors.at(-1)).toMatch(/^audit log closed: 4 records \(\d+ bytes\) went to the deleted audit file/);
  });

  it('records held while the disk was full and then written into a deleted file that cannot be reopened count as lost too', async () => {
    const file = join(dir, 'audit.log');
    let refusing = true;
    const log = createAuditLog({
      file,
      pathCheckMs: 50,
      onError: () => {},
      writeSync(fd, buf, off, len) {
        if (refusing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return writeSync(fd, buf, off, len);
      },
    });
    for (let i = 0; i < 2; i++) log.write(toAuditRecord(record({ requestId: `k${i}` })));
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.health().backlogBytes).toBeGreaterThan(0);
    rmSync(file);
    mkdirSync(file);
    // Time for the path check to find the directory (health still names ENOSPC, the older error).
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The disk takes writes again: the two held records and a new one go into the deleted file.
    refusing = false;
    log.write(toAuditRecord(record({ requestId: 'k2' })));
    await log.flush(2000);
    expect(log.health()).toMatchObject({ backlogBytes: 0, lostRecords: 3 });
    expect((await log.close()).records).toBe(3);
  });

  describe('a destination that refuses writes at shutdown', () => {
    /** Takes the first `room` bytes (a disk with that much space left), then ENOSPC until `free()`. */
    function fullDisk(room: number) {
      let left = room;
      const fail = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return {
        free: () => (left = Infinity),
        writeSync(fd: number, buf: Buffer, off: number, len: number): number {
          if (left <= 0) throw fail();
          const n = writeSync(fd, buf, off, Math.min(len, left));
          left -= n;
          return n;
        },
      };
    }

    it('close reports the records and bytes it could not write, and leaves no half record in the file', async () => {
      const file = join(dir, 'audit.log');
      const errors: Error[] = [];
      const one = Buffer.byteLength(JSON.stringify(toAuditRecord(record({ requestId: 'r0' })))) + 16;
      // Room for the first record and half of the second.
      const disk = fullDisk(one + Math.floor(one / 2));
      const log = createAuditLog({ file, onError: (e) => errors.push(e), writeSync: disk.writeSync, closeTimeoutMs: 300 });
      for (let i = 0; i < 3; i++) log.write(toAuditRecord(record({ requestId: `r${i}` })));
      await new Promise((resolve) => setImmediate(resolve));
      log.write(toAuditRecord(record({ requestId: 'r3' })));
      const lost = await log.close();
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const kept = lines(file).map((l) => JSON.parse(l).requestId);
      expect(kept).toEqual(['r0']);
      expect(lost.records).toBe(3);
      expect(lost.bytes).toBeGreaterThan(2 * one - 48);
      expect(errors.at(-1)?.message).toMatch(/^audit log closed with 3 records \(\d+ bytes\) unwritten/);
      expect(errors.at(-1)?.message).toContain(`(${lost.bytes} bytes)`);
    });

    it('close reports nothing lost when everything reached the file', async () => {
      const file = join(dir, 'audit.log');
      const errors: Error[] = [];
      const log = createAuditLog({ file, onError: (e) => errors.push(e) });
      log.write(toAuditRecord(record()));
      expect(await log.close()).toEqual({ records: 0, bytes: 0 });
      expect(errors).toEqual([]);
      expect(lines(file)).toHaveLength(1);
    });

    it('a record split by a refused write is written whole to the new file after a reopen', async () => {
      const file = join(dir, 'audit.log');
      const one = Buffer.byteLength(JSON.stringify(toAuditRecord(record({ requestId: 's0' })))) + 16;
      const disk = fullDisk(one + 40);
      const log = createAuditLog({ file, writeSync: disk.writeSync, onError: () => {} });
      log.write(toAuditRecord(record({ requestId: 's0' })));
      log.write(toAuditRecord(record({ requestId: 's1' })));
      await new Promise((resolve) => setImmediate(resolve));
      renameSync(file, `${file}.1`);
      log.reopen();
      disk.free();
      await log.flush(1000);
      expect(await log.close()).toEqual({ records: 0, bytes: 0 });
      expect(readFileSync(`${file}.1`, 'utf8').endsWith('\n')).toBe(true);
      expect(lines(`${file}.1`).map((l) => JSON.parse(l).requestId)).toEqual(['s0']);
      expect(lines(file).map((l) => JSON.parse(l).requestId)).toEqual(['s1']);
    });

    it('on stdout, where nothing can be cut back, a split record is ended with a newline and counted lost', async () => {
      const errors: Error[] = [];
      const out: Buffer[] = [];
      let calls = 0;
      const log = createAuditLog({
        onError: (e) => errors.push(e),
        closeTimeoutMs: 200,
        // A pipe that takes half of the first write, then has room for one byte only.
        writeSync(_fd, buf, off, len) {
          calls += 1;
          const n = calls === 1 ? Math.floor(len / 2) : len === 1 ? 1 : 0;
          if (n === 0) throw Object.assign(new Error('EAGAIN'), { code: 'EIO' });
          out.push(Buffer.from(buf.subarray(off, off + n)));
          return n;
        },
      });
      log.write(toAuditRecord(record({ requestId: 'o0' })));
      await new Promise((resolve) => setImmediate(resolve));
      const lost = await log.close();
      expect(lost.records).toBe(1);
      expect(log.health().lostRecords).toBe(1);
      // The broken half, then the newline that ends it: one unparsable line, nothing run together.
      expect(Buffer.concat(out).toString()).toMatch(/^\{"type":"decision".*[^\n]\n$/);
      expect(errors.at(-1)?.message).toMatch(/closed with 1 records/);
    });
  });
});
