/**
 * The scenarios of issue 7. Each `run(target, ctx)` drives one target once and returns a
 * sample; `check(sample, ctx)` returns the problems that make the sample untrustworthy, so a
 * broken benchmark cannot report a good number: wrong status codes; bodies of another size than
 * the daemon's own socket gives (every response's, from the load generator's smallest and
 * largest); 201s that do not each name a container the daemon made for them (create-run.mjs),
 * refusals with one; streams whose bytes
 * or sha256 are not what the daemon holds with this transfer's fresh data (fresh-data.mjs: a
 * nonce at the cp-out blob's end, a new log line, a nonce line the exec prints), an exec that
 * did not run to exit code 0; what cp in stored in the container; keep-alive that was not (more
 * connections than clients) and new connections that were not new; refusals by something other
 * than the guard meant; held streams that are not streams. `ctx.onReady` (from the runner) goes to the load generator: it is called when
 * measuring starts, after each keep-alive connection's untimed first request.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { directSha, putArchive } from './direct-read.mjs';
import { api } from './docker-api.mjs';
import { answeredIds, createdProblems, newCreateRun, runContainerIds } from './create-run.mjs';
import { newExec, pruneCreated } from './fixtures.mjs';
import { appendLogLine, execFinished, newNonce, writeBlobNonce } from './fresh-data.mjs';
import { runLoad } from './loadgen.mjs';
import { oneRequest } from './one-request.mjs';

/**
 * Problems with the load generator's status histogram: no answers, errors, any status but
 * `expected` (statuses outside 0-599 are counted as "other"), and a histogram that does not
 * add up to every answer (completed and untimed warm requests), so no answer goes unchecked.
 */
function statusProblems(r, expected) {
  const problems = [];
  if (r.completed === 0) problems.push('no request completed');
  if (r.errors) problems.push(`${r.errors} errors (${r.first_error})`);
  for (const [status, n] of Object.entries(r.status)) if (Number(status) !== expected) problems.push(`${n} answers with status ${status}, expected ${expected}`);
  const counted = Object.values(r.status).reduce((sum, n) => sum + n, 0);
  const answers = r.completed + (r.warmed ?? 0);
  if (counted !== answers) problems.push(`${counted} statuses counted for ${answers} answers`);
  return problems;
}

/**
 * Every response's body size (the load generator's smallest and largest, untimed warm requests
 * included) against `expected`: { bytes, slack } (within `slack` bytes of `bytes`) or
 * { uniform: true, least } (all the same size, at least `least` bytes).
 */
function bodyProblems(r, expected) {
  if (!r.completed && !r.warmed) return [];
  const sizes = r.body_min === r.body_max ? `${r.body_min} bytes` : `${r.body_min} to ${r.body_max} bytes`;
  if (expected.uniform) {
    if (r.body_min !== r.body_max || r.body_min < (expected.least ?? 0)) return [`bodies of ${sizes}, expected one size of at least ${expected.least ?? 0} bytes`];
    return [];
  }
  const slack = expected.slack ?? 0;
  if (r.body_min < expected.bytes - slack || r.body_max > expected.bytes + slack) {
    return [`bodies of ${sizes}, the daemon's own socket answers ${expected.bytes}${slack ? ` (± ${slack})` : ''}`];
  }
  return [];
}

/** Keep-alive must keep: one connection per client and no resumed TLS session. */
function keptAlive(r, concurrency) {
  const problems = [];
  if (r.connections !== concurrency) problems.push(`opened ${r.connections} connections for ${concurrency} keep-alive clients`);
  if (r.resumed) problems.push(`${r.resumed} TLS sessions resumed`);
  return problems;
}

/**
 * New connections: each answered connection was drained (read until the peer closed it, at
 * most the load generator's DRAIN_S; a byte there is an error), none cut short.
 */
function drained(r) {
  return r.undrained ? [`${r.undrained} connections closed before their drain ended (after the answer, bytes from the target are errors)`] : [];
}

/**
 * The body size a target must answer `GET path` with: the daemon's own answer, read on its
 * socket just before the run. A container list changes by a few bytes as "Up N seconds"
 * ages; 1% of slack allows that, and is less than one container's entry. For a list, `listed`
 * is how many containers the daemon's answer holds (listedProblems).
 */
async function expectedBody(ctx, path) {
  const direct = await api(ctx.socket, 'GET', path);
  if (direct.status !== 200) throw new Error(`GET ${path} on the daemon's socket: ${direct.status}`);
  const listed = Array.isArray(direct.body) ? direct.body.length : undefined;
  return { bytes: direct.bytes, slack: path === '/_ping' ? 0 : Math.max(64, Math.round(direct.bytes * 0.01)), listed };
}

/**
 * The container list measured must be the fixtures' (docs/benchmarks.md says what it holds):
 * the daemon's answer just before the run (expectedBody) lists exactly `ctx.fixtures.listed`.
 */
function listedProblems(expected, ctx) {
  if (expected.listed === undefined || expected.listed === ctx.fixtures.listed) return [];
  return [`the daemon's own socket lists ${expected.listed} containers, the fixtures are ${ctx.fixtures.listed}`];
}

function keepAlive(path, concurrency) {
  return {
    id: `ka ${path} c${concurrency}`,
    group: 'keep-alive',
    title: `GET ${path} keep-alive, ${concurrency} client${concurrency > 1 ? 's' : ''}`,
    metrics: ['rps', 'p50', 'p99', 'cpu10k'],
    async run(t, ctx) {
      const expected = await expectedBody(ctx, path);
      const r = await runLoad(t, ctx.bundles.allowed, { path, concurrency, seconds: ctx.seconds, warm: true, onReady: ctx.onReady });
      return { ...r, expected };
    },
    check: (r, ctx) => [...statusProblems(r, 200), ...bodyProblems(r, r.expected), ...listedProblems(r.expected, ctx), ...keptAlive(r, concurrency)],
  };
}

const newConnection = {
  id: 'newconn /_ping c16',
  group: 'new connection',
  title: 'GET /_ping, new TLS connection per request, 16 clients',
  metrics: ['rps', 'p50', 'p99', 'cpu10k'],
  async run(t, ctx) {
    const expected = await expectedBody(ctx, '/_ping');
    const r = await runLoad(t, ctx.bundles.allowed, { mode: 'newconn', path: '/_ping', concurrency: 16, seconds: ctx.seconds, onReady: ctx.onReady });
    return { ...r, expected };
  },
  check(r) {
    const problems = [...statusProblems(r, 200), ...bodyProblems(r, r.expected), ...drained(r)];
    if (r.connections < r.completed) problems.push(`${r.completed} requests on ${r.connections} connections: not one new connection per request`);
    if (r.resumed) problems.push(`${r.resumed} TLS sessions resumed: not full handshakes`);
    return problems;
  },
};

/** What the bench-denied rule's images guard says when it refuses busybox (src/policy/guards/images.ts). */
const IMAGES_GUARD_REFUSAL = /is not an allowed image/;

/** One more create with `bodyFile` on `t`, to read why it was refused: { status, text, bytes }. */
async function readRefusal(t, bundle, bodyFile) {
  const one = await oneRequest(t, bundle, { method: 'POST', path: '/containers/create', body: readFileSync(bodyFile), contentType: 'application/json' });
  return { ...one, bytes: Buffer.byteLength(one.text) };
}

/**
 * What a create run (create-run.mjs's newCreateRun) left, read once its load is over: `made`,
 * the Ids of its containers on the daemon's socket; `ids`, those its 201s named; and with
 * `refused`, then (so a container it makes is not listed) `refusal`, one more of the same
 * request on `t`, to read why it was refused.
 */
async function createEvidence(t, bundle, socket, run, refused) {
  const made = await runContainerIds(socket, run.run);
  const ids = answeredIds(run.idsFile);
  return { made, ids, refusal: refused ? await readRefusal(t, bundle, run.bodyFile) : undefined };
}

/**
 * Every 201 (timed and warm-up) of load result `r` must name a container the daemon made for
 * it, and a refusal make none. With a `refusal` read, it must be the images guard's, after the
 * body was read: not a missing rule, a refused certificate or a body the gateway did not look
 * at; and every refusal alike (`r`'s bodies all the size of the one read).
 */
function createProblems(r, { made, ids, refusal }) {
  const problems = createdProblems({ answered: r.status['201'] ?? 0, ids, made });
  if (!refusal) return problems;
  if (refusal.status !== 403 || !IMAGES_GUARD_REFUSAL.test(refusal.text)) problems.push(`refused with ${refusal.status} ${refusal.text.trim()}, not by the images guard`);
  return [...problems, ...bodyProblems(r, { bytes: refusal.bytes })];
}

function create(denied) {
  return {
    id: denied ? 'create denied c16' : 'create allowed c4',
    group: 'inspected body',
    title: denied ? 'POST /containers/create 4 KiB, denied by a guard, 16 clients' : 'POST /containers/create 4 KiB, allowed by guards, 4 clients',
    metrics: ['rps', 'p50', 'p99', 'cpu10k'],
    // Only the gateway has a policy; the others would create the containers.
    only: denied ? ['dockgate'] : undefined,
    async run(t, ctx) {
      const concurrency = denied ? 16 : 4;
      const bundle = denied ? ctx.bundles.denied : ctx.bundles.allowed;
      // The same 4 KiB body with a label random per run, so the containers this run created can
      // be listed on the daemon's socket and matched with the Ids the 201s named.
      const run = newCreateRun(ctx.fixtures.dir);
      try {
        const r = await runLoad(t, bundle, {
          method: 'POST', path: '/containers/create', bodyFile: run.bodyFile, contentType: 'application/json',
          concurrency, seconds: ctx.seconds, warm: true, onReady: ctx.onReady, idsFile: run.idsFile,
        });
        const evidence = await createEvidence(t, bundle, ctx.socket, run, denied);
        if (!denied) await pruneCreated(ctx.socket);
        return { ...r, concurrency, evidence };
      } finally {
        run.remove();
      }
    },
    check(r) {
      const problems = [...statusProblems(r, denied ? 403 : 201), ...keptAlive(r, r.concurrency), ...createProblems(r, r.evidence)];
      return denied ? problems : [...problems, ...bodyProblems(r, { uniform: true, least: 64 })];
    },
  };
}

function stream(kind) {
  const titles = {
    'cp-out': 'docker cp out of a container (GET archive)',
    'cp-in': 'docker cp into a container (PUT archive)',
    logs: 'docker logs (GET logs)',
    exec: 'docker exec -i hijack, stdin echoed back',
  };
  return {
    id: `stream ${kind}`,
    group: 'streams',
    title: titles[kind],
    metrics: ['mbps', 'cpuStream'],
    async run(t, ctx) {
      const f = ctx.fixtures;
      const timeout = 600;
      if (kind === 'cp-out') {
        // A fresh nonce at the blob's end: the archive differs from every earlier transfer's.
        const nonce = newNonce();
        await writeBlobNonce(ctx.socket, f, nonce);
        const r = await runLoad(t, ctx.bundles.allowed, { path: `/containers/${f.streams}/archive?path=/blob`, requests: 1, sha256: true, timeout });
        return { ...r, expected: { bytes: f.archive.bytes, sha256: f.archive.expect(nonce) } };
      }
      if (kind === 'cp-in') {
        // An empty /tmp/blob first, so what is read back is what this run delivered.
        const reset = await putArchive(ctx.socket, f.streams, '/tmp', f.emptyTar);
        if (reset !== 200) throw new Error(`emptying /tmp/blob in the streams container: ${reset}`);
        const r = await runLoad(t, ctx.bundles.allowed, { method: 'PUT', path: `/containers/${f.streams}/archive?path=/tmp`, bodyFile: f.blobTar, contentType: 'application/x-tar', requests: 1, timeout });
        const stored = await directSha(ctx.socket, `/containers/${f.streams}/archive?path=/tmp/blob`, { tar: true });
        return { ...r, stored: stored.file };
      }
      if (kind === 'logs') {
        // A fresh line at the log's end: the stream differs from every earlier transfer's.
        const expected = await appendLogLine(ctx.socket, f, f.log);
        const r = await runLoad(t, ctx.bundles.allowed, { path: `/containers/${f.logs}/logs?stdout=1&stderr=1`, requests: 1, sha256: true, timeout });
        return { ...r, expected };
      }
      const nonce = newNonce();
      const exec = await newExec(ctx.socket, f, nonce);
      const r = await runLoad(t, ctx.bundles.allowed, { mode: 'upgrade', method: 'POST', path: `/exec/${exec}/start`, bodyFile: f.blob, requests: 1, sha256: true, timeout });
      // The exec must have run, to its end: inspected on the daemon's socket.
      const inspect = await execFinished(ctx.socket, exec);
      const tail = `${nonce}\n`;
      return {
        ...r,
        exec: { running: inspect.Running, exitCode: inspect.ExitCode },
        expected: { bytes: f.size + tail.length, sha256: f.blobState.copy().update(tail).digest('hex') },
      };
    },
    check(r, ctx) {
      const f = ctx.fixtures;
      if (kind === 'exec') {
        const problems = r.status['101'] === 1 ? [] : [`status ${JSON.stringify(r.status)}, expected one 101`];
        if (r.errors) problems.push(`${r.errors} errors (${r.first_error})`);
        if (r.exec.running || r.exec.exitCode !== 0) problems.push(`the exec, inspected on the daemon's socket, is running: ${r.exec.running}, exit code ${r.exec.exitCode}; expected run to its end with exit code 0`);
        if (r.body_bytes !== r.expected.bytes) problems.push(`echoed ${r.body_bytes} bytes, expected ${r.expected.bytes} (the blob and the exec's nonce line)`);
        if (r.sha256 !== r.expected.sha256) problems.push(`sha256 of echoed data ${r.sha256} != ${r.expected.sha256} (the blob and the exec's nonce line)`);
        return problems;
      }
      const problems = statusProblems(r, 200);
      if (kind === 'cp-in') {
        if (r.bytes_sent < statSync(f.blobTar).size) problems.push(`sent ${r.bytes_sent} bytes, tar is ${statSync(f.blobTar).size}`);
        // What the daemon stored, read back on its own socket: the blob, every byte of it.
        if (r.stored?.size !== f.size || r.stored?.sha256 !== f.blobSha) problems.push(`the container's /tmp/blob is ${r.stored ? `${r.stored.size} bytes, sha256 ${r.stored.sha256}` : 'missing'}: not the ${f.size}-byte blob ${f.blobSha}`);
      }
      if (kind === 'cp-out' || kind === 'logs') {
        const what = kind === 'cp-out' ? 'archive (the blob with this transfer\'s nonce)' : 'log stream (with this transfer\'s line)';
        if (r.body_bytes !== r.expected.bytes) problems.push(`${what} of ${r.body_bytes} bytes, expected ${r.expected.bytes}`);
        if (r.sha256 !== r.expected.sha256) problems.push(`sha256 of the ${what} ${r.sha256} != ${r.expected.sha256}`);
      }
      return problems;
    },
  };
}

/**
 * Scenario 6: idle `GET /events` streams held open; the runner samples RSS while they are held.
 * A stream must be one: an answer with a body length is refused by the load generator, and once
 * every stream is in, events are made on the daemon's own socket (a tag with a repository name
 * random per run, added and removed every half second) until every held stream has received
 * data containing that name (the load generator's --await-match): a heartbeat, a cached or
 * made-up event does not count, only an event of this run, which the target got from the daemon.
 * `ctx.onHeld`, when set, is called once every stream is in.
 */
export const idleStreams = {
  id: 'idle /events',
  group: 'idle streams',
  title: 'idle GET /events streams held open',
  async run(t, ctx) {
    let held = false;
    let done = false;
    const repo = `bench-idle-${randomBytes(8).toString('hex')}`;
    const events = (async () => {
      for (let i = 0; !done; i += 1) {
        if (held) {
          const ref = `${repo}:e${i}`;
          await api(ctx.socket, 'POST', `/images/busybox/tag?repo=${repo}&tag=e${i}`);
          await api(ctx.socket, 'DELETE', `/images/${ref}?noprune=1`);
        }
        await sleep(500);
      }
    })();
    try {
      return await runLoad(t, ctx.bundles.allowed, {
        mode: 'hold', path: '/events', concurrency: ctx.idleStreams, seconds: ctx.holdSeconds, awaitData: true, awaitMatch: repo, timeout: 120,
        onReady: () => {
          held = true;
          ctx.onHeld?.();
        },
      });
    } finally {
      done = true;
      await events;
    }
  },
  check(r, ctx) {
    const problems = [];
    if (r.established !== ctx.idleStreams) problems.push(`${r.established} of ${ctx.idleStreams} streams established`);
    if (r.streamed !== r.established) problems.push(`${r.streamed} of ${r.established} held streams received an event of this run (its tag's name)`);
    if (r.errors) problems.push(`${r.errors} errors (${r.first_error})`);
    return problems;
  },
};

/** The interleaved scenarios (1 to 5), in the order they run within a round. */
export const interleaved = [
  keepAlive('/_ping', 1), keepAlive('/_ping', 16), keepAlive('/_ping', 64),
  keepAlive('/containers/json', 1), keepAlive('/containers/json', 16), keepAlive('/containers/json', 64),
  newConnection,
  create(true), create(false),
  stream('cp-out'), stream('cp-in'), stream('logs'), stream('exec'),
];

/**
 * Scenario 7's mix for the soak: [label, bundle key, load options, expected status, body check]
 * (body check: as bodyProblems takes it, with `path` for the daemon's own answer to that path,
 * or `refusedCreate`: the load is a create run that the images guard must refuse, checked as
 * the denied create scenario is, runMix).
 */
export function soakMix(seconds) {
  return [
    ['ping keep-alive', 'allowed', { path: '/_ping', concurrency: 8, seconds }, 200, { path: '/_ping' }],
    ['containers/json keep-alive', 'allowed', { path: '/containers/json', concurrency: 2, seconds }, 200, { path: '/containers/json' }],
    ['ping new connections', 'allowed', { mode: 'newconn', path: '/_ping', concurrency: 2, seconds }, 200, { path: '/_ping' }],
    ['create denied', 'denied', { method: 'POST', path: '/containers/create', contentType: 'application/json', concurrency: 2, seconds }, 403, { refusedCreate: true }],
  ];
}

/**
 * Run the soak mix's loads (or some of them) on one target; resolves { requests, problems }
 * with every answer checked (status, body sizes against the daemon's own socket, keep-alive
 * connections; a refused create's run made no container and was refused by the images guard),
 * each problem prefixed with `prefix` and the load's label.
 */
export async function runMix(target, ctx, loads, prefix) {
  const expected = await Promise.all(loads.map(([, , , , body]) => (body.path ? expectedBody(ctx, body.path) : body)));
  // Each refused create load sends a body labelled for its run, so its containers can be listed.
  const creates = loads.map(([, , , , body]) => (body.refusedCreate ? newCreateRun(ctx.fixtures.dir) : undefined));
  try {
    const results = await Promise.all(loads.map(([, bundle, opts], i) => {
      const run = creates[i];
      return runLoad(target, ctx.bundles[bundle], run ? { ...opts, bodyFile: run.bodyFile, idsFile: run.idsFile } : opts);
    }));
    const problems = [];
    let requests = 0;
    for (const [i, r] of results.entries()) {
      const [label, bundle, opts, status] = loads[i];
      requests += r.completed;
      const found = statusProblems(r, status);
      if (creates[i]) found.push(...createProblems(r, await createEvidence(target, ctx.bundles[bundle], ctx.socket, creates[i], true)));
      else found.push(...bodyProblems(r, expected[i]), ...listedProblems(expected[i], ctx));
      if ((opts.mode ?? 'keepalive') === 'keepalive') found.push(...keptAlive(r, opts.concurrency));
      if (opts.mode === 'newconn') found.push(...drained(r));
      problems.push(...found.map((p) => `${prefix} ${label}: ${p}`));
    }
    return { requests, problems };
  } finally {
    for (const run of creates) run?.remove();
  }
}

export { statusProblems };
