/**
 * A gateway whose one rule lets `admin` do anything: for the suites that send the same raw
 * bytes as the admin to the gateway and to dockerd's socket, and compare (request-line,
 * http10-transfer-encoding). The policy cannot be what they test; the request framing is.
 */
import { writeFileSync } from 'node:fs';
import { configYaml, dockerDirect, makePki, removeContainers, startGateway, type TestGateway } from './gateway.js';
import { clientRecords } from './audit-records.js';

const POLICY = `version: 1
rules:
  - name: admins-anything
    who: { users: [admin] }
    allow: all
`;

/** The running gateway, the admin's client bundle, and what the suites ask of them. */
export interface AdminRawGateway {
  gw: TestGateway;
  /** The admin's client bundle directory. */
  admin: string;
  /** The audit records of the connection from local `port`, once there are `n`. */
  recordsOf(port: number | undefined, n: number): Promise<Record<string, unknown>[]>;
  /** Whether the daemon has a container named `name`. */
  exists(name: string): Promise<boolean>;
  /** Remove the containers labelled `label`, then stop the gateway. */
  stop(): Promise<void>;
}

/** Start the admin-only gateway in front of `socket`; `label` marks the suite's containers for clean-up. */
export async function startAdminRawGateway(socket: string, label: string): Promise<AdminRawGateway> {
  const pki = await makePki({ admin: [] });
  const policyFile = `${pki.dir}/policy.yaml`;
  writeFileSync(policyFile, POLICY);
  const gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  return {
    gw,
    admin: pki.bundle('admin'),
    recordsOf: (port, n) => clientRecords(gw, port, n),
    exists: async (name) => (await dockerDirect(socket, ['inspect', '--type', 'container', name])).code === 0,
    stop: async () => {
      await removeContainers(socket, `label=${label}`);
      await gw.stop();
    },
  };
}
