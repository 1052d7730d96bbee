/** What `policy explain` shows of an evaluation: each rule considered, and each of its guards' results. */
import type { Violation } from './guards/index.js';

/** One guard's result, for `policy explain`. */
export interface GuardTrace {
  guard: string;
  result: 'pass' | 'fail' | 'not-applicable';
  violation?: Violation;
}

/** One rule's evaluation, for `policy explain`. */
export interface RuleTrace {
  rule: string;
  effect: 'allow' | 'deny';
  /**
   * `decided`: this rule's verdict is enforced; `audited`: a rule in audit mode matched first,
   * its verdict is recorded, not enforced; `skipped`: who or operation did not match, or (with
   * `shadowed`) a later rule in audit mode matched after the audited one; `not-reached`: an
   * earlier rule decided.
   */
  status: 'decided' | 'audited' | 'skipped' | 'not-reached';
  /** Skipped although it matched: a rule in audit mode after the one already audited. */
  shadowed?: boolean;
  /** Why who matched (`group developers`) or undefined when it did not. */
  who?: string;
  /** The first selector that matched, if any. */
  selector?: string;
  guards: GuardTrace[];
}
