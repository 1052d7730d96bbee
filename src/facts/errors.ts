/**
 * The one error type of the facts stage. A request that dockerd would read differently from
 * us, or that it would refuse or redirect, is refused here with a stable code, so the gateway
 * never forwards something it did not understand exactly.
 */

/** Stable codes of refused requests; each maps to one HTTP status. */
export type FactsErrorCode =
  /** Request target is not origin-form (or absolute-form) as Go's server parses it. */
  | 'bad-target'
  /** Path is not clean per gorilla/mux (dockerd would answer 301), or has a trailing slash. */
  | 'unclean-path'
  /** Invalid percent escape, or escapes that decode to invalid UTF-8 or control characters. */
  | 'bad-escape'
  /** Query or form body that Go parses with an error, or that we cannot read unambiguously. */
  | 'bad-query'
  /** The same key in both a form body and the query string. */
  | 'ambiguous-query'
  /** Body that is not valid JSON for Go's decoder. */
  | 'bad-json'
  /** JSON that Go would read differently from a plain parser (duplicates, folding, precision). */
  | 'ambiguous-json'
  /** Non-whitespace bytes after the first JSON value (dockerd ignores them; we do not forward them). */
  | 'trailing-json'
  /** JSON nested deeper than we inspect. */
  | 'deep-json'
  /** JSON body of the wrong top-level shape for its operation. */
  | 'json-shape'
  /** Content-Type dockerd would refuse, or that would make Go read the body as a form we cannot inspect. */
  | 'bad-content-type'
  /** A header that must occur once occurs several times. */
  | 'bad-header'
  /** A container route's `{name}` that is a legacy link's name (`parent/alias`): it reaches the linked container. */
  | 'link-name';

const STATUS: Record<FactsErrorCode, number> = {
  'bad-target': 400,
  'unclean-path': 400,
  'bad-escape': 400,
  'bad-query': 400,
  'ambiguous-query': 400,
  'bad-json': 400,
  'ambiguous-json': 400,
  'trailing-json': 400,
  'deep-json': 400,
  'json-shape': 400,
  'bad-content-type': 400,
  'bad-header': 400,
  'link-name': 400,
};

/** A request the facts stage refuses: `code` is stable (metrics, audit), `status` is the HTTP answer. */
export class FactsError extends Error {
  readonly code: FactsErrorCode;
  readonly status: number;

  constructor(code: FactsErrorCode, message: string) {
    super(message);
    this.name = 'FactsError';
    this.code = code;
    this.status = STATUS[code];
  }
}

/** Codes a JSON body decode can fail with. */
export type BodyErrorCode = Extract<
  FactsErrorCode,
  'bad-json' | 'ambiguous-json' | 'trailing-json' | 'deep-json' | 'json-shape'
>;

/** A JSON body refused by `decodeGoJson`; a FactsError, so it renders like the others. */
export class BodyError extends FactsError {
  declare readonly code: BodyErrorCode;

  constructor(code: BodyErrorCode, message: string) {
    super(code, message);
    this.name = 'BodyError';
  }
}
