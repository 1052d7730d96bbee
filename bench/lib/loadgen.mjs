/**
 * Builds bench/loadgen.c with the system C compiler and OpenSSL (libssl-dev) and runs it
 * against a target, returning its JSON result.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SOURCE = resolve('bench/loadgen.c');
const BINARY = resolve('.tmp/bench/loadgen');

/** Compile the load generator when the binary is missing or older than its source. */
export function buildLoadgen() {
  let fresh;
  try {
    fresh = statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs;
  } catch {
    fresh = false;
  }
  if (fresh) return BINARY;
  mkdirSync(resolve('.tmp/bench'), { recursive: true });
  const cc = spawnSync('cc', ['-O2', '-Wall', '-o', BINARY, SOURCE, '-lssl', '-lcrypto'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`compiling bench/loadgen.c failed (needs cc and libssl-dev):\n${cc.stderr}`);
  return BINARY;
}

/** Connection arguments for a target: `{ unix }` or `{ port, bundle }` (TLS with a client bundle). */
export function connectArgs(target, bundle) {
  if (target.unix) return ['--unix', target.unix];
  return ['--port', String(target.port), '--tls', '--ca', join(bundle, 'ca.pem'), '--cert', join(bundle, 'cert.pem'), '--key', join(bundle, 'key.pem')];
}

/** Load generators running now, and whether the bench was interrupted ({@link stopLoads}). */
const running = new Set();
let stopped = false;

/**
 * Kill the running load generators and refuse new ones: the bench was interrupted and its
 * targets are going away, so nothing more is measured (their runs reject).
 */
export function stopLoads() {
  stopped = true;
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Run the load generator. `opts`: mode, method, path, bodyFile, contentType, concurrency,
 * seconds, requests, sha256, timeout, warm (each connection answers one untimed request
 * first), awaitData (hold until every stream received data), awaitMatch (with awaitData: data
 * counts only once it contains this string), idsFile (the Id of every 201's body is written
 * there, one per line, an empty line for a 201 without one), onReady (called when the
 * generator says measuring starts: after the warm requests, or once every stream is held).
 */
export function runLoad(target, bundle, opts) {
  if (stopped) return Promise.reject(new Error('bench interrupted: no more load'));
  const args = [...connectArgs(target, bundle), '--mode', opts.mode ?? 'keepalive', '--method', opts.method ?? 'GET', '--path', opts.path ?? '/_ping'];
  if (opts.bodyFile) args.push('--body-file', opts.bodyFile);
  if (opts.contentType) args.push('--content-type', opts.contentType);
  args.push('-c', String(opts.concurrency ?? 1), '-d', String(opts.seconds ?? 5));
  if (opts.requests) args.push('-n', String(opts.requests));
  if (opts.sha256) args.push('--sha256');
  if (opts.timeout) args.push('--timeout', String(opts.timeout));
  if (opts.warm) args.push('--warm');
  if (opts.awaitData) args.push('--await-data');
  if (opts.awaitMatch) args.push('--await-match', opts.awaitMatch);
  if (opts.idsFile) args.push('--ids', opts.idsFile);
  return new Promise((res, rej) => {
    const child = execFile(BINARY, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      running.delete(child);
      if (stopped) return rej(new Error('bench interrupted: load stopped'));
      if (err) return rej(new Error(`loadgen ${args.join(' ')} failed: ${stderr || err.message}`));
      try {
        res(JSON.parse(stdout));
      } catch {
        rej(new Error(`loadgen printed no JSON: ${stdout} ${stderr}`));
      }
    });
    running.add(child);
    if (opts.onReady) {
      let seen = '';
      const onData = (d) => {
        seen += d.toString();
        if (!/^ready$/m.test(seen)) return;
        child.stderr.off('data', onData);
        opts.onReady();
      };
      child.stderr.on('data', onData);
    }
  });
}
