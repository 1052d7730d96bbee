/**
 * Query parameters that carry JSON (`filters`, a build's `ulimits`), read for the few checks
 * that refuse values dockerd would crash on. Pure.
 */

/**
 * The value parsed as JSON, or undefined when absent or unparsable: dockerd parses these with
 * json.Unmarshal and refuses what does not parse, so such a value needs no check here.
 */
export function queryJson(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}
