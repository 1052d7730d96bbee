/** Printing connect instructions for a bundle, shared by `certs issue/renew` and `serve`'s default PKI. */
import type { BundleFiles } from './bundle.js';
import { chooseConnectHost, connectLines } from './connect-lines.js';
import { pkiPaths } from './paths.js';
import { readIndex } from './pki-index.js';

/** Where a command writes: injected so tests and `serve` can capture the output. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Writes `text` and a newline (unless it ends with one) to stdout. */
export function say(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Prints the DOCKER_* / docker / docker context lines for a bundle. */
export async function printConnectLines(io: CliIo, dir: string, name: string, bundle: BundleFiles, explicitHost?: string): Promise<void> {
  const index = await readIndex(pkiPaths(dir).index);
  const host = chooseConnectHost(explicitHost, index.hosts);
  say(io, `\nConnect with (replace ${host} if clients reach this machine under another name):`);
  say(io, connectLines({ name, host, bundle }).join('\n'));
}
