/**
 * The contract every guard implements. A guard is one concept (privileged, binds,
 * capabilities, ...): it validates its own settings at load time and, at request time, is a
 * pure function over the facts that returns nothing or one violation.
 */
import type { BodyAmendment, Identity, NetworkLookup, RequestFacts } from '../../core/types.js';
import type { KeyPath, Problems } from '../problems.js';

/** Why a guard refused a request. */
export interface Violation {
  /** Stable code for metrics and tests, e.g. `privileged`, `bind-mount`. */
  code: string;
  /**
   * Specific human reason with the field path and value, e.g. `HostConfig.Privileged is not allowed`.
   * It reaches the audit log and the client: values that may hold secrets (volume and driver
   * option values, `Env`, URL userinfo and query values) are named or masked, never quoted.
   */
  reason: string;
}

/**
 * What a guard sees at request time. One context serves all of a rule's guards (rule-verdict.ts),
 * so it is read-only: no guard may change what the next one sees.
 */
export interface GuardContext {
  /** The client the request comes from. */
  readonly identity: Identity;
  /** The request as dockerd will read it. */
  readonly facts: RequestFacts;
  /** `facts.operation.name`, for convenience. */
  readonly op: string;
}

/** A guard: settings parser plus the check it compiles to. */
export interface GuardDefinition<C> {
  /** Key under a rule's `guards:` mapping. */
  key: string;
  /** One line for docs and `policy explain`. */
  summary: string;
  /** Operation names the guard inspects; it ignores every other operation. */
  operations: readonly string[];
  /** Validate the YAML value; push problems and return undefined when invalid. */
  parse(value: unknown, at: KeyPath, problems: Problems): C | undefined;
  /** The request-time check; must not throw on any body shape. */
  check(config: C, ctx: GuardContext): Violation | undefined;
  /**
   * For a request the rule allows: a setting to write into its body where dockerd would fill in
   * a default that `check` refuses when written (see host-namespaces.ts). Must not throw.
   */
  amend?(config: C, ctx: GuardContext): BodyAmendment | undefined;
  /**
   * For a request the rule allows: the networks it names that `check` could not judge by name,
   * to be resolved on the daemon before the request is forwarded, which refuses any that is the
   * host network (see host-namespaces.ts). Must not throw.
   */
  networkLookups?(config: C, ctx: GuardContext): readonly NetworkLookup[] | undefined;
}

/** Helper so a definition's config type is inferred and checked once. */
export function defineGuard<C>(def: GuardDefinition<C>): GuardDefinition<C> {
  return def;
}
