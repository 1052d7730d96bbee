/**
 * Requests the gateway makes on the daemon itself (inspect an object, list a tenant's
 * containers; remove a `--rm` container whose start it refused, auto-remove.ts; undo a
 * tenant's BuildKit build whose result it refused, build-result-check.ts), through the
 * same upstream as forwarded requests. An answer is capped at MAX_ANSWER bytes, so a
 * misbehaving daemon cannot fill memory. Lists hold every tenant's objects: they are read with
 * `list` (list-reader.ts), which keeps only the items the look-up selects as they arrive, so
 * the cap counts those alone and another tenant's objects cannot push a look-up over it. A
 * request that could make no connection is told to `notConnected` (the daemon may have gone: its
 * API range is stale, src/runtime/daemon-api-range.ts), as a forwarded request's is.
 */
import { request, type IncomingMessage } from 'node:http';
import { maskPathCredentials } from '../observe/url-credentials.js';
import { noConnectionMade } from '../proxy/upstream-errors.js';
import type { UpstreamTarget } from '../proxy/upstream-target.js';
import { ListReader, readList, type ItemSelect } from './list-reader.js';

/** A daemon answer: status, JSON-decoded body (undefined when not JSON), raw bytes. */
export interface DaemonAnswer {
  status: number;
  json: unknown;
  raw: Buffer;
  contentType: string;
}

/** Issues requests to the daemon. */
export interface DaemonClient {
  get(path: string): Promise<DaemonAnswer>;
  /**
   * A DELETE (auto-remove.ts). Optional so that read-only fakes in tests need not have it;
   * without it nothing is removed and the caller says so.
   */
  delete?(path: string): Promise<DaemonAnswer>;
  /**
   * A GET of a list, keeping only the items `select` keeps (list-reader.ts): `json` is the
   * document without the others. Optional so that fakes in tests need not have it (getList).
   */
  list?(path: string, select: ItemSelect): Promise<DaemonAnswer>;
  /**
   * A POST without a body (build-result-check.ts puts a tag back on the image it named before
   * a refused build). Optional as `delete` is.
   */
  post?(path: string): Promise<DaemonAnswer>;
}

/** The most bytes of a daemon answer a look-up holds (of a list: of the items it keeps). */
export const MAX_ANSWER = 64 * 1024 * 1024;

/**
 * The cap tenancy's look-ups use: MAX_ANSWER, or a smaller one from
 * `DOCKGATE_LOOKUP_ANSWER_BYTES` (a positive integer; for tests, which then need megabytes of
 * objects rather than 64 MiB to reach it). Anything else is ignored.
 */
export function lookupAnswerCap(env: NodeJS.ProcessEnv): number {
  const raw = env.DOCKGATE_LOOKUP_ANSWER_BYTES;
  const n = raw !== undefined && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n < MAX_ANSWER ? n : MAX_ANSWER;
}

/**
 * GET the list at `path` keeping only what `select` keeps: through the client's `list`, or,
 * for a client without one, from its whole answer (the same selection).
 */
export async function getList(daemon: DaemonClient, path: string, select: ItemSelect): Promise<DaemonAnswer> {
  if (daemon.list) return daemon.list(path, select);
  const answer = await daemon.get(path);
  if (answer.status !== 200 || answer.json === undefined) return answer;
  return { ...answer, json: readList([Buffer.from(JSON.stringify(answer.json))], select, Infinity) };
}

/** A 200 JSON answer read through a ListReader; `raw` (the kept document) is made only when asked for. */
function selectedAnswer(res: IncomingMessage, json: unknown): DaemonAnswer {
  let raw: Buffer | undefined;
  return {
    status: res.statusCode ?? 502,
    json,
    contentType: String(res.headers['content-type'] ?? ''),
    get raw(): Buffer {
      raw ??= Buffer.from(json === undefined ? '' : JSON.stringify(json) + '\n');
      return raw;
    },
  };
}

/**
 * A client over `target` (its keep-alive agent and address); `notConnected` hears the OS error
 * code of each request that made no connection to the daemon (upstream-errors.ts).
 */
export function createDaemonClient(target: UpstreamTarget, timeoutMs = 30_000, maxAnswer = MAX_ANSWER, notConnected?: (code: string) => void): DaemonClient {
  const send = (method: 'GET' | 'DELETE' | 'POST', path: string, select?: ItemSelect): Promise<DaemonAnswer> =>
    new Promise((resolve, reject) => {
      // The path holds the caller's object name, and these errors become 502s and audit reasons.
      const shown = maskPathCredentials(path);
      const req = request({ ...target.address, agent: target.agent, method, path, headers: { Host: 'docker', Accept: 'application/json' }, timeout: timeoutMs }, (res) => {
        if (select && res.statusCode === 200 && /json/i.test(String(res.headers['content-type'] ?? ''))) {
          const reader = new ListReader(select, maxAnswer);
          res.on('data', (c: Buffer) => {
            try {
              reader.push(c);
            } catch (err) {
              res.destroy(new Error(`daemon answer to ${shown}: ${(err as Error).message}`));
            }
          });
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(selectedAnswer(res, reader.end()));
            } catch (err) {
              reject(new Error(`daemon answer to ${shown}: ${(err as Error).message}`));
            }
          });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxAnswer) {
            res.destroy(new Error(`daemon answer to ${shown} exceeds ${maxAnswer} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          let json: unknown;
          try {
            json = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 502, json, raw, contentType: String(res.headers['content-type'] ?? '') });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`daemon request ${method} ${shown} timed out`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (notConnected && err.code !== undefined && noConnectionMade(err)) notConnected(err.code);
        reject(err);
      });
      req.end();
    });
  return { get: (path) => send('GET', path), delete: (path) => send('DELETE', path), post: (path) => send('POST', path), list: (path, select) => send('GET', path, select) };
}
