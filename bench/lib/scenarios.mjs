/**
 * The scenarios of issue 7. Each `run(target, ctx)` drives one target once and returns a
 * sample; `check(sample, ctx)` returns the problems that make the sample untrustworthy
 * (wrong status codes, byte counts or sha256), so a broken benchmark cannot report a good
 * number. Measurements of the proxies' own CPU are taken around every run by the runner.
 */
import { statSync } from 'node:fs';
import { newExec, pruneCreated } from './fixtures.mjs';
import { runLoad } from './loadgen.mjs';

function statusProblems(r, expected) {
  const problems = [];
  if (r.completed === 0) problems.push('no request completed');
  if (r.errors) problems.push(`${r.errors} errors (${r.first_error})`);
  for (const [status, n] of Object.entries(r.status)) if (Number(status) !== expected) problems.push(`${n} answers with status ${status}, expected ${expected}`);
  return problems;
}

function keepAlive(path, concurrency) {
  return {
    id: `ka ${path} c${concurrency}`,
    group: 'keep-alive',
    title: `GET ${path} keep-alive, ${concurrency} client${concurrency > 1 ? 's' : ''}`,
    metrics: ['rps', 'p50', 'p99', 'cpu10k'],
    run: (t, ctx) => runLoad(t, ctx.bundles.allowed, { path, concurrency, seconds: ctx.seconds }),
    check: (r) => statusProblems(r, 200),
  };
}

const newConnection = {
  id: 'newconn /_ping c16',
  group: 'new connection',
  title: 'GET /_ping, new TLS connection per request, 16 clients',
  metrics: ['rps', 'p50', 'p99', 'cpu10k'],
  run: (t, ctx) => runLoad(t, ctx.bundles.allowed, { mode: 'newconn', path: '/_ping', concurrency: 16, seconds: ctx.seconds }),
  check: (r) => statusProblems(r, 200),
};

function create(denied) {
  return {
    id: denied ? 'create denied c16' : 'create allowed c4',
    group: 'inspected body',
    title: denied ? 'POST /containers/create 4 KiB, denied by a guard, 16 clients' : 'POST /containers/create 4 KiB, allowed by guards, 4 clients',
    metrics: ['rps', 'p50', 'p99', 'cpu10k'],
    // Only the gateway has a policy; the others would create the containers.
    only: denied ? ['dockgate'] : undefined,
    async run(t, ctx) {
      const r = await runLoad(t, denied ? ctx.bundles.denied : ctx.bundles.allowed, {
        method: 'POST', path: '/containers/create', bodyFile: ctx.fixtures.createBody, contentType: 'application/json',
        concurrency: denied ? 16 : 4, seconds: ctx.seconds,
      });
      if (!denied) await pruneCreated(ctx.socket);
      return r;
    },
    check: (r) => statusProblems(r, denied ? 403 : 201),
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
      if (kind === 'cp-out') return runLoad(t, ctx.bundles.allowed, { path: `/containers/${f.streams}/archive?path=/blob`, requests: 1, sha256: true, timeout });
      if (kind === 'cp-in') {
        return runLoad(t, ctx.bundles.allowed, { method: 'PUT', path: `/containers/${f.streams}/archive?path=/tmp`, bodyFile: f.blobTar, contentType: 'application/x-tar', requests: 1, timeout });
      }
      if (kind === 'logs') return runLoad(t, ctx.bundles.allowed, { path: `/containers/${f.logs}/logs?stdout=1&stderr=1`, requests: 1, sha256: true, timeout });
      const exec = await newExec(ctx.socket, f);
      return runLoad(t, ctx.bundles.allowed, { mode: 'upgrade', method: 'POST', path: `/exec/${exec}/start`, bodyFile: f.blob, requests: 1, sha256: true, timeout });
    },
    check(r, ctx) {
      const f = ctx.fixtures;
      if (kind === 'exec') {
        const problems = r.status['101'] === 1 ? [] : [`status ${JSON.stringify(r.status)}, expected one 101`];
        if (r.errors) problems.push(`${r.errors} errors (${r.first_error})`);
        if (r.body_bytes !== f.size) problems.push(`echoed ${r.body_bytes} bytes, expected ${f.size}`);
        if (r.sha256 !== f.blobSha) problems.push(`sha256 of echoed data ${r.sha256} != ${f.blobSha}`);
        return problems;
      }
      const problems = statusProblems(r, 200);
      if (kind === 'cp-in' && r.bytes_sent < statSync(f.blobTar).size) problems.push(`sent ${r.bytes_sent} bytes, tar is ${statSync(f.blobTar).size}`);
      if (kind === 'cp-out') {
        if (r.body_bytes < f.size) problems.push(`archive of ${r.body_bytes} bytes is smaller than the ${f.size}-byte blob`);
        ctx.reference[kind] ??= r.sha256;
        if (r.sha256 !== ctx.reference[kind]) problems.push(`sha256 ${r.sha256} differs from the first target's ${ctx.reference[kind]}`);
      }
      if (kind === 'logs') {
        if (r.body_bytes !== f.logBytes) problems.push(`log stream of ${r.body_bytes} bytes, expected ${f.logBytes}`);
        ctx.reference[kind] ??= r.sha256;
        if (r.sha256 !== ctx.reference[kind]) problems.push(`sha256 ${r.sha256} differs from the first target's ${ctx.reference[kind]}`);
      }
      return problems;
    },
  };
}

/** Scenario 6: idle `GET /events` streams held open; the runner samples RSS while they are held. */
export const idleStreams = {
  id: 'idle /events',
  group: 'idle streams',
  title: 'idle GET /events streams held open',
  run: (t, ctx) => runLoad(t, ctx.bundles.allowed, { mode: 'hold', path: '/events', concurrency: ctx.idleStreams, seconds: ctx.holdSeconds }),
  check(r, ctx) {
    const problems = [];
    if (r.established !== ctx.idleStreams) problems.push(`${r.established} of ${ctx.idleStreams} streams established`);
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

/** Scenario 7's mix for the soak: [label, bundle key, load options, expected status]. */
export function soakMix(ctx, seconds) {
  return [
    ['ping keep-alive', 'allowed', { path: '/_ping', concurrency: 8, seconds }, 200],
    ['containers/json keep-alive', 'allowed', { path: '/containers/json', concurrency: 2, seconds }, 200],
    ['ping new connections', 'allowed', { mode: 'newconn', path: '/_ping', concurrency: 2, seconds }, 200],
    ['create denied', 'denied', { method: 'POST', path: '/containers/create', bodyFile: ctx.fixtures.createBody, contentType: 'application/json', concurrency: 2, seconds }, 403],
  ];
}

export { statusProblems };
