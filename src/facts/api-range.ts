/**
 * The API versions the daemon serves, and dockerd's refusal of a version prefix outside them
 * (api/server/middleware/version.go in moby 20.10): before any handler runs, a prefix below the
 * daemon's oldest version or above its newest is answered 400, and nothing is acted on. A
 * request without a prefix gets the newest version: never refused.
 */
import { compareApiVersions } from './api-version.js';

/** What the daemon's `GET /version` says of itself. */
export interface ApiRange {
  /** `MinAPIVersion`: the oldest API version it serves. */
  min: string;
  /** `ApiVersion`: the newest (its default). */
  max: string;
}

/** A version as the daemon writes its own: numbers separated by dots. */
const VERSION = /^[0-9]+(\.[0-9]+)*$/;

/** The range in a `GET /version` answer, or undefined when it holds no usable one. */
export function apiRangeOf(json: unknown): ApiRange | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const v = json as Record<string, unknown>;
  const { ApiVersion: max, MinAPIVersion: min } = v;
  if (typeof max !== 'string' || typeof min !== 'string' || !VERSION.test(max) || !VERSION.test(min)) return undefined;
  return { min, max };
}

/**
 * dockerd's message for a request sent with version prefix `version` (undefined: none), or
 * undefined when the daemon serves that version. Compared as versions.LessThan/GreaterThan do.
 */
export function versionRefusal(version: string | undefined, range: ApiRange): string | undefined {
  if (version === undefined) return undefined;
  if (compareApiVersions(version, range.min) < 0) {
    return `client version ${version} is too old. Minimum supported API version is ${range.min}, please upgrade your client to a newer version`;
  }
  if (compareApiVersions(version, range.max) > 0) return `client version ${version} is too new. Maximum supported API version is ${range.max}`;
  return undefined;
}

/**
 * Whether dockerd writes its errors as JSON at `version` (httputils.MakeErrorHandler): with no
 * prefix or above 1.23; at 1.23 and below as plain text (`http.Error`).
 */
export function jsonErrorsAt(version: string | undefined): boolean {
  return version === undefined || compareApiVersions(version, '1.23') > 0;
}
