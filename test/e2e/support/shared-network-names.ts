/**
 * What the suites on container names on a shared network share (tenancy-dns-names,
 * tenancy-network-aliases): the two docker CLIs, a gateway under docs/sharing.md's example
 * policy with its shared network renamed, and the clients and daemon checks they use.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, startGateway, type RunResult, type TestGateway, type TestPki } from './gateway.js';
import { endpointAliases, recreateNetwork } from './daemon-networks.js';
import { envWithoutCaBundles, guidePolicy } from './sharing-guide.js';

/** The docker CLI 20.10. */
export const CLI20 = '/usr/bin/docker';
/** The docker CLI 28. */
export const CLI28 = 'docker';
/** Both CLIs, for tests run with each. */
export const CLIS = [CLI28, CLI20];

/** The environment the CLIs and docker-compose v1 run with (envWithoutCaBundles). */
export const env = (): NodeJS.ProcessEnv => envWithoutCaBundles();

/**
 * docs/sharing.md's example policy with its shared network named `network`, and room for
 * `containers` containers, all of them running, per tenant.
 */
export function sharedNetworkPolicy(network: string, containers: number): string {
  return guidePolicy(['shared: { networks: [shared] }', `shared: { networks: [${network}] }`], ['containers: 10', `containers: ${containers}`], ['running: 5', `running: ${containers}`]);
}

/** A refusal by the CLI with `text` in its message. */
export function refused(r: RunResult, text: string): void {
  expect(r.code, r.stdout).not.toBe(0);
  expect(r.stderr).toContain(text);
}

/** A suite's gateway and helpers; `pki` and `gw` are set once `start` has run. */
export interface SharedNetworkSuite {
  readonly socket: string;
  readonly pki: TestPki;
  readonly gw: TestGateway;
  /** Make the PKI of `identities` (name to groups) and start the gateway under `policy`. */
  start(identities: Record<string, string[]>, policy: string): Promise<void>;
  /** The docker CLI (`cli`, the 28 one by default) as `who` through the gateway. */
  as(who: string, args: string[], cli?: string): Promise<RunResult>;
  /** The docker CLI on the daemon's socket. */
  direct(args: string[]): Promise<RunResult>;
  /** `docker run -d --name NAME ...args busybox sleep 600` as carol. */
  carolRuns(name: string, args: string[], cli?: string): Promise<RunResult>;
  /** Make network `name` on the daemon again, with `subnet` and `labels`. */
  network(name: string, subnet: string, labels: string[]): Promise<void>;
  /** The endpoint aliases of container `name` on `net`, as the daemon has them. */
  aliases(name: string, net: string): Promise<string[]>;
  /** Check that the daemon has no container `name`. */
  absent(name: string): Promise<void>;
  /** Stop the gateway, if it started. */
  stop(): Promise<void>;
}

/** A suite on the run's daemon; call `start` in its `beforeAll`. */
export function sharedNetworkSuite(): SharedNetworkSuite {
  const socket = inject('dockerSocket');
  let pki: TestPki | undefined;
  let gw: TestGateway | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the suite is not started (its beforeAll has not run)');
    return value;
  };
  const direct = (args: string[]): Promise<RunResult> => dockerDirect(socket, args);
  const as = (who: string, args: string[], cli = CLI28): Promise<RunResult> => docker(ready(pki).bundle(who), ready(gw).port, args, { timeoutMs: 60_000, cli, env: env() });
  return {
    socket,
    get pki() {
      return ready(pki);
    },
    get gw() {
      return ready(gw);
    },
    async start(identities, policy) {
      pki = await makePki(identities);
      const policyFile = join(pki.dir, 'policy.yaml');
      writeFileSync(policyFile, policy);
      gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
    },
    as,
    direct,
    carolRuns: (name, args, cli = CLI28) => as('carol', ['run', '-d', '--name', name, ...args, 'busybox', 'sleep', '600'], cli),
    network: (name, subnet, labels) => recreateNetwork(socket, name, subnet, labels),
    aliases: (name, net) => endpointAliases(socket, name, net),
    async absent(name) {
      expect((await direct(['inspect', '--type', 'container', name])).code).not.toBe(0);
    },
    async stop() {
      await gw?.stop();
    },
  };
}
