/**
 * The state a forward keeps on the client's request, under symbol keys: its hooks and target,
 * the daemon request and answer, whether the client left, what the wait for an orphaned
 * request ends with, and the answer watch at work. forwarder.ts and the modules it calls share it.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { AnswerWatch, ForwardHooks } from './forward-hooks.js';

/** Key of the ForwardHooks of the request. */
export const HOOKS = Symbol('dockgate.forwardHooks');
/** Key of the request target the gateway decided on (origin-form). */
export const TARGET = Symbol('dockgate.forwardTarget');
/** Key of the daemon request, once http-proxy made it. */
export const PROXY_REQ = Symbol('dockgate.daemonRequest');
/** Key of the daemon's answer, once its head arrived. */
export const PROXY_RES = Symbol('dockgate.daemonResponse');
/** Key of the flag set when the client left before the exchange completed. */
export const GONE = Symbol('dockgate.clientGone');
/** Key of what ends the wait for the daemon's side of a request whose client left (Awaited). */
export const ORPHAN = Symbol('dockgate.orphan');
/** Key of the answer watch at work on the request's 200 answer (Watching). */
export const WATCH = Symbol('dockgate.answerWatch');

/** An answer watch at work on a request's 200 answer: its `ended` promise once called, and whether that has settled. */
export interface Watching {
  watch: AnswerWatch;
  ended?: Promise<Buffer | undefined>;
  settled: boolean;
}

/**
 * What ends the wait for a request whose client left (ForwardHooks.untilAnswered): the answer's
 * beginning, its end (a stream), or only its connection's close (a request cut off).
 */
export type Awaited = 'answer' | 'end' | 'close';
/** A client's request with the forward's state on it. */
export type WithHooks = IncomingMessage & {
  [HOOKS]?: ForwardHooks;
  [TARGET]?: string;
  [PROXY_REQ]?: ClientRequest;
  [PROXY_RES]?: IncomingMessage;
  /** The client left before the exchange completed: the daemon side is to be dropped. */
  [GONE]?: boolean;
  /** The client left and the daemon's side is awaited (ForwardHooks.untilAnswered) until this. */
  [ORPHAN]?: Awaited;
  /** The answer watch seeing this request's 200 answer (ForwardHooks.answerWatch). */
  [WATCH]?: Watching;
};
