/**
 * The RequestFacts stage: from method, raw target, headers and (when inspected) the body,
 * the request exactly as dockerd will act on it. Pure: no I/O, throws FactsError for
 * requests dockerd would read differently from us, or would refuse or redirect.
 */
import type { JsonValue, Operation, RequestFacts } from '../core/types.js';
import { compareApiVersions } from './api-version.js';
import { bodyMediaKind, type BodyMediaKind } from './content-type.js';
import { FactsError } from './errors.js';
import { emptyHealthcheckCommand } from './empty-healthcheck.js';
import { decodeGoJson, type DecodeInfo, type JsonShape } from './go-json.js';
import { linkNameRefusal } from './link-name.js';
import { matchOperation, type OperationMatch } from './operations.js';
import { nullBuildUlimit, nullPointerElement } from './null-elements.js';
import { panickingFilter } from './panicking-filters.js';
import { maskPathCredentials } from '../observe/url-credentials.js';
import { normalizePath } from './path.js';
import { NO_VALUES } from './no-values.js';
import { mergeQuery, parseFormBody, parseGoQuery, type QueryPair } from './query.js';

/** Request headers as Node gives them (names lower-case; looked up case-insensitively anyway). */
export type FactsHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What the HTTP layer knows about a request before deciding. */
export interface FactsInput {
  method: string;
  /** The request target as received (`req.url`). */
  rawTarget: string;
  headers: FactsHeaders;
  /**
   * The whole body, read whenever `bodyPlan` says `inspect`; undefined means no body.
   * Never pass undefined for a body that will be forwarded after an `inspect` plan.
   */
  body?: Uint8Array;
}

/**
 * What the HTTP layer must do with the body before deciding: `inspect` (buffer it whole, up
 * to the cap, and pass it to buildFacts), `stream` (decide without it, forward as it comes),
 * or `none` (no route: the request will be denied, the body is not needed).
 */
export type BodyPlan = 'inspect' | 'stream' | 'none';

/** Go's ParseForm reads a form-urlencoded body only for these methods. */
const FORM_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Operations whose JSON body is an array (plugin privileges and settings). */
const ARRAY_BODIES = new Set(['PluginSet', 'PluginPull', 'PluginUpgrade']);

/** The single value of a header, looked up case-insensitively; several values are refused. */
function header(headers: FactsHeaders, name: string): string | undefined {
  let found: string | undefined;
  let count = 0;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (value === undefined || key.toLowerCase() !== name) continue;
    const values = Array.isArray(value) ? value : [value];
    count += values.length;
    found = values[0];
  }
  if (count > 1) throw new FactsError('bad-header', `several ${name} headers`);
  return found;
}

/** A request's target and headers parsed once: what bodyPlan decides on, reused by buildFacts. */
export interface RequestPlan {
  path: string;
  rawQuery: string;
  /** The target in origin-form as received: what is forwarded (see NormalizedTarget). */
  origin: string;
  match?: OperationMatch;
  media: BodyMediaKind;
  plan: BodyPlan;
}

/**
 * Parse the target and headers once (throws the FactsError buildFacts would). The HTTP layer
 * reads `plan` to know whether to buffer the body, then hands the same plan to buildFacts.
 */
export function planRequest(method: string, rawTarget: string, headers: FactsHeaders): RequestPlan {
  const { path, query: rawQuery, origin } = normalizePath(rawTarget);
  const media = bodyMediaKind(header(headers, 'content-type'));
  const match = matchOperation(method, path);
  // A trailing slash reaches dockerd as part of a name (`abc/`): only literal routes may have one.
  if (path.length > 1 && path.endsWith('/') && !match?.operation.pattern.endsWith('/')) {
    throw new FactsError('unclean-path', `path ${JSON.stringify(maskPathCredentials(path))} has a trailing slash`);
  }
  if (!match) return { path, rawQuery, origin, media, plan: 'none' };
  const op = match.operation;
  // A link's name (`ci-x/db`) reaches the linked container: refused before the policy (link-name.ts).
  // `link` is read from the query only: Go's ParseForm reads no body on DELETE, the one route excepted.
  const linkName = linkNameRefusal(op, match.params.name, () => mergeQuery([], parseGoQuery(rawQuery)).query.link);
  if (linkName !== undefined) throw new FactsError('link-name', linkName);
  const form = media === 'form' && FORM_METHODS.has(method);
  return { path, rawQuery, origin, match, media, plan: op.body === 'json' || form ? 'inspect' : 'stream' };
}

/**
 * Tell the HTTP layer whether it must buffer the body before deciding (see BodyPlan).
 * Independent of Content-Length and Transfer-Encoding: the HTTP layer reads any framing.
 * Throws the FactsError buildFacts would throw for a bad target or Content-Type.
 */
export function bodyPlan(method: string, rawTarget: string, headers: FactsHeaders): BodyPlan {
  return planRequest(method, rawTarget, headers).plan;
}

/** The path without a `/vX.YY` prefix, and the prefix's version, for unmatched paths too. */
function splitVersion(path: string, match: OperationMatch | undefined): [string, string | undefined] {
  const version = match ? match.apiVersion : /^\/v([0-9.]+)(?=\/)/.exec(path)?.[1];
  return version === undefined ? [path, undefined] : [path.slice(2 + version.length), version];
}

/**
 * The facts of a request refused before its query and body are read (a version prefix the
 * daemon does not serve): method, path, route parameters, version and operation; no query.
 */
export function routeFacts(method: string, rawTarget: string, p: RequestPlan): RequestFacts {
  const [path, apiVersion] = splitVersion(p.path, p.match);
  const facts: RequestFacts = { method, rawTarget, path, params: p.match?.params ?? NO_VALUES, query: NO_VALUES, queryAll: NO_VALUES };
  if (apiVersion !== undefined) facts.apiVersion = apiVersion;
  if (p.match) facts.operation = p.match.operation;
  return facts;
}

/**
 * dockerd 20.10 checks an exec start's Content-Type only above API 1.21
 * (postContainerExecStart): at 1.21 and below it decodes the body as JSON whatever the type.
 * Not a form type: its ParseForm would have read the body first.
 */
function contentTypeIgnored(name: string, apiVersion: string | undefined, media: BodyMediaKind): boolean {
  return name === 'ExecStart' && apiVersion !== undefined && compareApiVersions(apiVersion, '1.21') <= 0 && media !== 'form';
}

function jsonBody(op: Operation, body: Uint8Array | undefined, info: DecodeInfo): JsonValue | undefined {
  if (body === undefined || body.length === 0) return undefined;
  const shape: JsonShape = ARRAY_BODIES.has(op.name) ? 'array' : 'object';
  return decodeGoJson(body, shape, info);
}

/**
 * Build the RequestFacts of a request. Unknown routes are not an error: `operation` is
 * undefined and the policy denies. Throws FactsError (see errors.ts for the codes).
 * `planned` must be planRequest's result for the same method, target and headers.
 */
export function buildFacts(input: FactsInput, planned?: RequestPlan): RequestFacts {
  const { method, rawTarget, headers, body } = input;
  const p = planned ?? planRequest(method, rawTarget, headers);
  const [path, apiVersion] = splitVersion(p.path, p.match);
  const op = p.match?.operation;
  const form: QueryPair[] = op && p.plan === 'inspect' && p.media === 'form' ? parseFormBody(body ?? new Uint8Array()) : [];
  const { query, queryAll } = mergeQuery(form, parseGoQuery(p.rawQuery));
  const facts: RequestFacts = {
    method,
    rawTarget,
    path,
    params: p.match?.params ?? NO_VALUES,
    query,
    queryAll,
  };
  if (apiVersion !== undefined) facts.apiVersion = apiVersion;
  if (op) facts.operation = op;
  if (op?.body === 'json') {
    // dockerd refuses a non-JSON Content-Type with a body (CheckForJSON); an empty body with
    // any Content-Type carries nothing (the 20.10 CLI sends ContainerStart as text/plain).
    if (body !== undefined && body.length > 0 && p.media !== 'none' && p.media !== 'json' && !contentTypeIgnored(op.name, apiVersion, p.media)) {
      throw new FactsError('bad-content-type', `${op.name} needs Content-Type application/json`);
    }
    const info: DecodeInfo = {};
    const decoded = jsonBody(op, body, info);
    if (op.name === 'ContainerStart' && decoded !== null && typeof decoded === 'object' && Object.keys(decoded).length > 0) {
      // API < 1.24 let a start body replace the container's whole HostConfig (dockerd 20.10 still
      // applies it). No current client sends one, and a rule allowing "start" must not grant
      // create-time powers: refuse it for everyone.
      throw new FactsError('json-shape', 'a HostConfig in the ContainerStart body (API < 1.24) is not accepted: set it when creating the container');
    }
    const nullElement = nullPointerElement(op.name, decoded);
    if (nullElement !== undefined) {
      throw new FactsError('json-shape', `${nullElement} holds a null element: dockerd would use it as a nil pointer (a panic that leaves the container locked)`);
    }
    const emptyTest = emptyHealthcheckCommand(op.name, decoded);
    if (emptyTest !== undefined) {
      throw new FactsError('json-shape', `${emptyTest} is ["CMD"] with no command: dockerd's health probe would crash the daemon`);
    }
    if (decoded !== undefined) facts.body = decoded;
    if (info.wholeNumberAsFloat) facts.wholeNumberAsFloat = true;
  }
  const filterProblem = op ? panickingFilter(op.name, query.filters) : undefined;
  if (filterProblem !== undefined) throw new FactsError('bad-query', `${filterProblem}: dockerd 20.10 panics on it`);
  if (op?.name === 'ImageBuild' && nullBuildUlimit(query.ulimits)) {
    throw new FactsError('bad-query', 'the ulimits query parameter holds a null element: dockerd would use it as a nil pointer in each build step');
  }
  const upgrade = header(headers, 'upgrade');
  if (upgrade !== undefined) facts.upgrade = upgrade.toLowerCase();
  return facts;
}
