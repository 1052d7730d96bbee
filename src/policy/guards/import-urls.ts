/**
 * `importUrls: false` refuses image imports from a URL (`fromSrc=<url>` makes the daemon
 * fetch it: server-side request forgery). `fromSrc=-` (upload in the body) is allowed. The
 * URL is quoted in the reason without its credentials.
 */
import { maskUrlCredentials } from '../../observe/url-credentials.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseSwitch } from './settings.js';

/** The `importUrls` guard, as this file's header describes it. */
export const importUrlsGuard = defineGuard({
  key: 'importUrls',
  summary: 'image import from a URL (ImageCreate fromSrc other than -)',
  operations: [OP.imageCreate],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    const src = facts.query.fromSrc;
    if (src && src !== '-') return { code: 'import-url', reason: `query fromSrc=${JSON.stringify(maskUrlCredentials(src, true))} makes the daemon fetch a URL` };
    return undefined;
  },
});
