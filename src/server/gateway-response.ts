/**
 * The Docker API listener's answers (https.createServer's `ServerResponse` class). Each carries
 * its request's id as `X-Dockgate-Request-Id`, added to the head as it is written rather than set
 * with setHeader when the request arrives: one setHeader makes Node keep a header table on the
 * answer, into which writeHead then copies every header it is given, one entry per name (a
 * name the daemon repeats collapsed to its last value), and an open stream held that table,
 * about 1 KB, until it ended (docs/benchmarks.md, "Less kept per stream"). Without it, writeHead
 * writes the headers it is given as they are.
 */
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';

/** The response header naming the request's id (its audit record's `requestId`). */
export const REQUEST_ID_HEADER = 'X-Dockgate-Request-Id';

/** Headers as writeHead takes them: an object, a flat `[name, value, ...]` list, or `[name, value]` pairs. */
type HeadHeaders = OutgoingHttpHeaders | OutgoingHttpHeader[];

/** `headers` with `name: value` added: last in a list (as a flat list's or a pairs list's entry), first in an object. */
function withHeader(headers: HeadHeaders | undefined, name: string, value: string): HeadHeaders {
  if (headers === undefined) return [name, value];
  if (!Array.isArray(headers)) return { [name]: value, ...headers };
  return Array.isArray(headers[0]) ? [...headers, [name, value] as unknown as OutgoingHttpHeader] : [...headers, name, value];
}

/** An answer of the Docker API listener; the request handler sets `requestId` first thing. */
export class GatewayResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  /** The request's id, written as X-Dockgate-Request-Id in the answer's head; unset: none. */
  requestId: string | undefined = undefined;

  override writeHead(statusCode: number, statusMessage?: string, headers?: HeadHeaders): this;
  override writeHead(statusCode: number, headers?: HeadHeaders): this;
  override writeHead(statusCode: number, messageOrHeaders?: string | HeadHeaders, maybeHeaders?: HeadHeaders): this {
    const id = this.requestId;
    const message = typeof messageOrHeaders === 'string' ? messageOrHeaders : undefined;
    // As Node reads them: without a message, the headers are the third argument when given, else the second.
    let headers = typeof messageOrHeaders === 'string' ? maybeHeaders : (maybeHeaders ?? messageOrHeaders);
    // Headers set beforehand (a header table exists): the id joins them there, unless set already.
    if (id !== undefined && !this.hasHeader(REQUEST_ID_HEADER)) {
      if (this.getHeaderNames().length > 0) this.setHeader(REQUEST_ID_HEADER, id);
      else headers = withHeader(headers, REQUEST_ID_HEADER, id);
    }
    return message === undefined ? super.writeHead(statusCode, headers) : super.writeHead(statusCode, message, headers);
  }
}
