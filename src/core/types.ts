/**
 * The typed values that flow through the pipeline, one stage at a time:
 * TLS peer certificate -> Identity -> RequestFacts -> Decision -> upstream -> observe.
 * Everything here is plain data so the pure stages can be tested in tables.
 */

/** A JSON value as decoded from a request body (objects have no prototype tricks). */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A decoded JSON object. Keys keep the client's spelling; look fields up with Go's folding. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Who is calling: derived only from the verified client certificate. */
export interface Identity {
  /** Subject common name: the user name policies refer to. */
  name: string;
  /** Subject OU values (the groups `dockgate certs issue --group` writes). */
  groups: string[];
  /** Subject O values. */
  organizations: string[];
  /** Subject alternative names by kind. */
  sans: { dns: string[]; ip: string[]; email: string[]; uri: string[] };
  /** SHA-256 of the DER certificate, lowercase hex without separators. */
  fingerprint: string;
  /** Certificate serial number, lowercase hex. */
  serial: string;
  /** Expiry of the client certificate. */
  notAfter: Date;
  /** Issuer distinguished name as Node spells it (identity.ts distinguishedName), for messages. */
  issuer: string;
  /**
   * The issuer Name as OpenSSL matches it to a CA (x509-name.ts nameKey: case, spacing and
   * string type aside); with `serial`, what the revocation sweep matches.
   */
  issuerKey: string;
}

/** How much power an operation carries; policies can select operations by it. */
export type Power = 'read' | 'write' | 'exfiltrate';

/** How the gateway must treat a request body of an operation. */
export type BodyKind =
  /** JSON the policy inspects (container create, exec create, ...): read whole, capped. */
  | 'json'
  /** A stream (tar, raw bytes) or nothing: never buffered, forwarded as it comes. */
  | 'stream';

/** One Engine API route as dockerd registers it. */
export interface Operation {
  /** Engine API operation name, e.g. `ContainerCreate`; unnamed routes get a project name. */
  name: string;
  /** HTTP method as registered. */
  method: string;
  /** Path pattern in dockerd's mux syntax, e.g. `/containers/{name:.*}/json`. */
  pattern: string;
  /** API section, e.g. `containers`, `images`, `exec`, `swarm`. */
  section: string;
  power: Power;
  body: BodyKind;
  /** True for routes that hijack the connection (attach, exec start, session, grpc). */
  hijack: boolean;
  /** True when the response is a long-lived stream (logs -f, events, stats, attach). */
  streaming: boolean;
  /** Minimum API version the route needs, if any (e.g. `1.42`). */
  minApiVersion?: string;
}

/** The request as dockerd will act on it. Built by a pure function from method, URL, headers, body. */
export interface RequestFacts {
  method: string;
  /** Raw request target as received (for the audit log only; never matched on). */
  rawTarget: string;
  /** Percent-decoded, clean path without the version prefix, e.g. `/containers/abc/start`. */
  path: string;
  /** API version from the `/vX.YY` prefix, if any. */
  apiVersion?: string;
  /** The matched route, or undefined when dockerd would answer 404. */
  operation?: Operation;
  /** Path parameters by name (`name`, `id`, ...), decoded. */
  params: Record<string, string>;
  /** Query and form values with Go's rules: form body overrides query; first value wins. */
  query: Record<string, string>;
  /** Every value of every query/form key, in Go's order (form first, then query). */
  queryAll: Record<string, string[]>;
  /** The decoded JSON body when the operation's body is inspected. */
  body?: JsonValue;
  /**
   * The body writes a whole number with a fraction or an exponent (`1e9`, `100.0`) or as `-0`,
   * which Go refuses in an integer field (`-0` in an unsigned one): a body the gateway re-serialises (tenancy, amendments) would
   * lose that spelling and be accepted, so such a body is not rewritten (decide-and-forward.ts).
   */
  wholeNumberAsFloat?: true;
  /** Lower-cased `Upgrade` header value of hijack requests (`tcp`, `h2c`, `websocket`). */
  upgrade?: string;
}

/** Outcome recorded for a request. `would-deny` is an audit-mode deny that was let through. */
export type Outcome = 'allow' | 'deny' | 'would-deny';

/**
 * A setting the gateway writes into an allowed request's body before forwarding it, where
 * dockerd would otherwise fill in a default the rule's guards refuse (see the guard that
 * returns it). Set only by the enforced rule, and only on forwarded requests.
 */
export interface BodyAmendment {
  /** Stable name of the amendment, e.g. `cgroupns-private` (for tests and code; records show `reason`). */
  code: string;
  /** Why, for the audit record and `policy explain`. */
  reason: string;
  /** Where in the decoded body (Go field names, matched as dockerd matches them). */
  path: readonly string[];
  value: JsonValue;
}

/**
 * A network a request names by something the policy cannot judge from the name alone (an ID,
 * an ID prefix, a name): the gateway resolves it on the daemon before forwarding the request
 * and refuses the host network (src/server/host-network-check.ts). Set only by the enforced
 * rule, and only on forwarded requests.
 */
export interface NetworkLookup {
  /** Where in the body, e.g. `TaskTemplate.Networks[0].Target`, for the reason. */
  path: string;
  /** The network as the body names it. */
  target: string;
}

/**
 * An exec start the enforced rule allows, whose rule sets guards that inspect exec creates
 * (`execRoot`, `privileged`): the exec it starts may have been created by someone else, so the
 * gateway looks it up on the daemon and runs those guards on it before forwarding the start
 * (src/server/exec-start-gate.ts). Set only by the enforced rule, and only on forwarded requests.
 */
export interface ExecStartCheck {
  /** The exec instance as the request names it (dockerd matches exec IDs exactly, never by prefix). */
  execId: string;
  /**
   * The rule's guards that inspect exec creates, run on an exec-create body standing for the exec
   * (src/policy/exec-start.ts): the first refusal, or undefined. Pure; never throws.
   */
  check(containerId: string, body: JsonObject): { code: string; reason: string } | undefined;
}

/** What the policy decided, with the rule and the reason, always. */
export interface Decision {
  /** True when the request is forwarded (allow and would-deny). */
  forward: boolean;
  outcome: Outcome;
  /** Name of the rule that decided, or `default` when none matched. */
  rule: string;
  /**
   * A `would-deny` only: the rule in enforce mode that allowed it, while `rule` names the staged
   * (audit-mode) rule whose verdict is recorded. The enforced rule's amendments, network look-ups
   * and exec start check are this rule's, so a refusal after the policy (host-network-check.ts,
   * exec-start-gate.ts) names it. Undefined when no rule in enforce mode matched (a policy in audit mode).
   */
  enforcedRule?: string;
  /**
   * An `allow` only: the audit-mode rule that matched first and allowed the request without
   * checks of its own on the daemon (no exec start check, no network look-ups), so a refusal
   * after the policy says it would allow it, as a denial by the enforced rule does.
   */
  stagedAllowRule?: string;
  /** Stable reason code for metrics, e.g. `no-rule`, `privileged`, `bind-mount`. */
  code: string;
  /** Human-readable reason for the deny message and the audit log. */
  reason: string;
  /** Settings written into the body before it is forwarded (BodyAmendment). */
  amendments?: readonly BodyAmendment[];
  /** Networks to resolve on the daemon before forwarding; none may be the host network (NetworkLookup). */
  networkLookups?: readonly NetworkLookup[];
  /** The exec an allowed exec start starts, to be checked on the daemon before forwarding (ExecStartCheck). */
  execStart?: ExecStartCheck;
}
