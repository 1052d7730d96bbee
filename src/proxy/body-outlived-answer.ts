/**
 * A client's upload still arriving after the daemon's answer to it ended: the daemon request is
 * dropped and the rest of the body discarded, so the client's connection stays usable.
 */
import { drainRefusedBody } from '../http/drain-refused-body.js';
import { PROXY_REQ, type WithHooks } from './exchange-state.js';

/**
 * The daemon's answer has ended while the client's body is still arriving (dockerd answers an
 * upload to a missing directory with a 404 and `Connection: close` after a few milliseconds):
 * the daemon is done with the body. An answer that has only begun is not enough (`docker
 * load`, `build` and `cp` get their answer's head and progress while the body goes up). Its
 * daemon connection, mid-body, is dropped, and the rest of the body is discarded within the
 * bounds of a refused one, so the connection stays usable for the client's next request.
 * dockerd closes the connection instead, but that resets a client still writing (one that
 * reads only after writing everything, as python's docker SDK does, would never see the 404),
 * the reason the gateway keeps its own refusals' connections (drain-refused-body.ts). Found
 * by the tunnels review: the relay to the closed daemon connection stopped reading the
 * client's body without an error, nothing discarded it, and ~6 s later the connection was
 * reset; a request sent after the body was never answered.
 */
export function bodyOutlivedAnswer(req: WithHooks): void {
  if (req.complete) return;
  const daemonReq = req[PROXY_REQ];
  if (!daemonReq || daemonReq.destroyed) {
    drainRefusedBody(req);
    return;
  }
  // The body's relay to the daemon pauses the client as the daemon request closes (listening
  // since before): the discard begins after that.
  daemonReq.once('close', () => drainRefusedBody(req));
  daemonReq.destroy();
}
