/**
 * Runs the real `dockgate` CLI (from dist/) for end-to-end tests: certificates via
 * `dockgate certs`, the gateway via `dockgate serve --config`, and the real docker CLI against it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scratchDir } from './scratch.js';

/** Absolute path of the built CLI. */
export const CLI = resolve('dist/cli/main.js');

/** The two docker CLIs of this machine, by version: 28.x (/usr/local/bin) and Debian's 20.10. */
export const DOCKER_CLIS = [
  ['28.x', '/usr/local/bin/docker'],
  ['20.10', '/usr/bin/docker'],
] as const;

/** Result of a finished command. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (with a timeout), feeding `input` on stdin if given. */
export function run(cmd: string, args: readonly string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Run `dockgate ARGS`. */
export function dockgate(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], opts);
}

/** A CA plus client bundles made by `dockgate certs`. */
export interface TestPki {
  dir: string;
  bundle(name: string): string;
}

/** Create a PKI in a fresh directory and issue one bundle per `clients` entry. */
export async function makePki(clients: Record<string, string[]>): Promise<TestPki> {
  const dir = scratchDir('pki-');
  const init = await dockgate(['certs', 'init', '--dir', dir, '--host', '127.0.0.1']);
  if (init.code !== 0) throw new Error(`certs init failed: ${init.stderr}`);
  for (const [name, groups] of Object.entries(clients)) {
    const issued = await dockgate(['certs', 'issue', name, '--dir', dir, ...groups.flatMap((g) => ['--group', g])]);
    if (issued.code !== 0) throw new Error(`certs issue ${name} failed: ${issued.stderr}`);
  }
  return { dir, bundle: (name) => join(dir, 'clients', name) };
}

/** A running `dockgate serve`. */
export interface TestGateway {
  process: ChildProcess;
  port: number;
  adminPort?: number;
  /** Everything the process wrote to stdout (audit log when no file is configured). */
  stdout(): string;
  stderr(): string;
  configFile: string;
  stop(): Promise<number | null>;
}

/**
 * Start `dockgate serve` with a config written from `yaml` (listen/admin should use port 0).
 * Resolves once the gateway logs that it is listening.
 */
export function startGateway(dir: string, yaml: string): Promise<TestGateway> {
  const configFile = join(dir, `dockgate-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(configFile, yaml);
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${err}`)), 30_000);
    const onEarlyExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${err}`));
    };
    child.once('close', onEarlyExit);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /"listen":"[^"]*:(\d+)"/.exec(err);
      if (m) {
        clearTimeout(timer);
        child.off('close', onEarlyExit);
        const admin = /"admin":"[^"]*:(\d+)"/.exec(err);
        resolveStart({
          process: child,
          port: Number(m[1]),
          adminPort: admin ? Number(admin[1]) : undefined,
          stdout: () => out,
          stderr: () => err,
          configFile,
          stop: () =>
            new Promise((r) => {
              if (child.exitCode !== null || child.signalCode !== null) return r(child.exitCode);
              child.once('close', (code) => r(code));
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

/** Arguments that point the docker CLI at the gateway with a client bundle. */
export function tlsArgs(bundle: string, port: number): string[] {
  return ['--tlsverify', '--tlscacert', join(bundle, 'ca.pem'), '--tlscert', join(bundle, 'cert.pem'), '--tlskey', join(bundle, 'key.pem'), '-H', `tcp://127.0.0.1:${port}`];
}

/** Run the docker CLI (`/usr/local/bin/docker` unless `cli` says otherwise) through the gateway. */
export function docker(bundle: string, port: number, args: readonly string[], opts: { input?: string | Buffer; cli?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return run(opts.cli ?? 'docker', [...tlsArgs(bundle, port), ...args], { input: opts.input, timeoutMs: opts.timeoutMs, env: opts.env });
}

/**
 * Remove every container `docker ps -a --filter <filter>` lists on the daemon's socket (a
 * suite's clean-up), with their anonymous volumes when `volumes` is set.
 */
export async function removeContainers(socket: string, filter: string, opts: { volumes?: boolean } = {}): Promise<void> {
  const ids = (await dockerDirect(socket, ['ps', '-aq', '--filter', filter])).stdout.split('\n').filter(Boolean);
  if (ids.length) await dockerDirect(socket, ['rm', '-f', ...(opts.volumes ? ['-v'] : []), ...ids]);
}

/** Run the docker CLI directly on the daemon's socket (to check what the daemon really did). */
export function dockerDirect(socket: string, args: readonly string[]): Promise<RunResult> {
  return run('docker', ['-H', `unix://${socket}`, ...args]);
}

/**
 * Minimal config YAML for a gateway on loopback with the given PKI, socket and extra keys;
 * `crl` adds a `tls.crl` file.
 */
export function configYaml(pki: TestPki, socket: string, extra = '', opts: { crl?: string } = {}): string {
  return `listen: 127.0.0.1:0
tls: { ca: ${pki.dir}/ca.pem, cert: ${pki.dir}/server-cert.pem, key: ${pki.dir}/server-key.pem${opts.crl ? `, crl: ${opts.crl}` : ''} }
upstream: unix://${socket}
admin: 127.0.0.1:0
${extra}`;
}
