/** The streams a CLI command writes to, passed in so commands can be run from tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
