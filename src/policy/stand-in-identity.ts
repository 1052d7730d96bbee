/**
 * A certificate holder made up from names alone, for deciding without a client: `policy explain
 * --as` and the ping warning (ping-warnings.ts). Only the names a rule's `who` reads are set.
 */
import type { Identity } from '../core/types.js';

/** An identity with this common name, these OU groups and SANs; no fingerprint, serial or dates. */
export function standInIdentity(name: string, groups: readonly string[] = [], sans: Partial<Identity['sans']> = {}, issuer = ''): Identity {
  return {
    name,
    groups: [...groups],
    organizations: [],
    sans: { dns: [], ip: [], email: [], uri: [], ...sans },
    fingerprint: '',
    serial: '',
    notAfter: new Date(0),
    issuer,
    issuerKey: '',
  };
}
