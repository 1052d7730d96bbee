/**
 * What a config names that the gateway reads before anything listens: the Docker listener's TLS
 * material, the policy, and the admin listener's TLS material. Every one is loaded before any is
 * refused, so a start-up error names every problem, not only the first.
 */
import { loadAdminTls, type AdminTlsMaterial } from '../admin/admin-tls.js';
import type { GatewayConfig } from '../config/types.js';
import type { GatewayMetrics } from '../observe/metrics.js';
import { loadTlsMaterial, tlsProblems, type TlsMaterial } from '../server/tls-material.js';
import { PolicyError } from '../policy/errors.js';
import { loadGatekeeper, type VersionedGatekeeper } from './policy-gatekeeper.js';

/**
 * The TLS material (of either listener), the policy or the audit file a config names cannot be
 * used: a configuration error (the CLI exits 2), with every problem found, not only the first.
 */
export class StartMaterialError extends Error {
  /**
   * One entry per problem: a line of text, or the policy's PolicyError (a head line and one line
   * per problem in the file), kept whole so that the CLI can write each of its lines escaped.
   */
  constructor(readonly problems: (string | PolicyError)[]) {
    super(problems.map((p) => (typeof p === 'string' ? p : p.message)).join('\n'));
    this.name = 'StartMaterialError';
  }
}

/** The files of each listener's TLS material, as the file watches follow them. */
export interface TlsFiles {
  /** `tls.ca`, `tls.cert`, `tls.key` and `tls.crl` when set. */
  docker: string[];
  /** The files of `admin.tls` (cert, key, then ca and crl when set); none without an admin listener with TLS. */
  admin: string[];
}

/** The TLS files `config` names, for the watches and for their states before they are loaded. */
export function tlsFilesOf(config: GatewayConfig): TlsFiles {
  const tlsFiles = [config.tls.ca, config.tls.cert, config.tls.key, ...(config.tls.crl ? [config.tls.crl] : [])];
  const adminTls = config.admin.enabled ? config.admin.tls : undefined;
  const adminTlsFiles = adminTls ? [adminTls.cert, adminTls.key, ...(adminTls.ca ? [adminTls.ca] : []), ...(adminTls.crl ? [adminTls.crl] : [])] : [];
  return { docker: tlsFiles, admin: adminTlsFiles };
}

/** The material the gateway starts with. */
export interface StartMaterial {
  /** The Docker listener's `tls` material. */
  tls: TlsMaterial;
  /** The compiled policy, with its version. */
  gatekeeper: VersionedGatekeeper;
  /** The admin listener's `admin.tls` material; undefined without an admin listener with TLS. */
  adminTls: AdminTlsMaterial | undefined;
}

/**
 * Load the material `config` names. `problems`: those found already (the audit file's), named
 * with the others. Throws StartMaterialError with every problem when there is any; a policy that
 * fails counts as a failed policy load (dockgate_policy_reloads_total).
 */
export async function loadStartMaterial(config: GatewayConfig, metrics: Pick<GatewayMetrics, 'policyReloaded'>, found: string[]): Promise<StartMaterial> {
  const problems: (string | PolicyError)[] = [...found];
  let firstTls: TlsMaterial | undefined;
  try {
    firstTls = await loadTlsMaterial(config.tls);
  } catch (err) {
    problems.push(...tlsProblems(err).map((p) => `TLS material: ${p}`));
  }
  let firstGatekeeper: VersionedGatekeeper | undefined;
  try {
    firstGatekeeper = loadGatekeeper(config.policy);
  } catch (err) {
    metrics.policyReloaded('failure');
    problems.push(err instanceof PolicyError ? err : (err as Error).message);
  }
  let adminTlsMaterial: AdminTlsMaterial | undefined;
  if (config.admin.enabled && config.admin.tls) {
    try {
      adminTlsMaterial = await loadAdminTls(config.admin.tls);
    } catch (err) {
      problems.push(...tlsProblems(err).map((p) => `admin TLS material: ${p}`));
    }
  }
  if (problems.length > 0 || !firstTls || !firstGatekeeper) throw new StartMaterialError(problems);
  return { tls: firstTls, gatekeeper: firstGatekeeper, adminTls: adminTlsMaterial };
}
