/**
 * The policy file format, as validated data. The YAML looks like:
 *
 * ```yaml
 * version: 1
 * mode: enforce              # enforce | audit
 * groups: { developers: [alice, bob] }
 * rules:
 *   - name: dev-containers
 *     who: { groups: [developers] }
 *     allow: [power:read, ContainerCreate]
 *     guards: { privileged: false, binds: { allow: ["/srv/dev/{user}"] } }
 * ```
 *
 * docs/policy.md describes every key. Guard settings are validated by each guard's own
 * definition (src/policy/guards), so they are opaque here.
 */
import type { TenancySpec } from './tenancy-schema.js';

/** enforce: denies are refused. audit: denies are forwarded and recorded as `would-deny`. */
export type PolicyMode = 'enforce' | 'audit';

/** Who a rule applies to. Several lists combine with OR. */
export interface WhoSpec {
  /** Everyone with a verified certificate. */
  anyone: boolean;
  /** Certificate common names. */
  users: string[];
  /** Group names: certificate OU values and the policy's `groups` lists. */
  groups: string[];
  /** Subject alternative names (DNS, IP, email or URI values). */
  sans: string[];
}

/** One rule: who, which operations, allow or deny. */
export interface RuleSpec {
  name: string;
  description?: string;
  who: WhoSpec;
  effect: 'allow' | 'deny';
  /** Selector strings as written (`all`, `ContainerCreate`, `section:exec`, `power:read`, `GET /pattern`). */
  selectors: string[];
  /** Overrides the policy-wide mode for this rule (`audit`: its verdict is recorded, not enforced). */
  mode?: PolicyMode;
  /** Guard settings by guard key, already validated by each guard. Only on allow rules. */
  guards: Record<string, unknown>;
  /** Index in the file, for key paths in messages. */
  index: number;
}

/** A whole validated policy file. */
export interface PolicySpec {
  version: 1;
  mode: PolicyMode;
  /** Extra group membership: group name -> user names (CN). */
  groups: Record<string, string[]>;
  rules: RuleSpec[];
  /** The `tenancy:` section (src/policy/tenancy-schema.ts); absent when tenancy is off. */
  tenancy?: TenancySpec;
}
