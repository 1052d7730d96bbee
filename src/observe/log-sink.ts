/**
 * Where the operational log's lines go: a file descriptor (stderr) written without ever
 * blocking the gateway on a reader that stopped reading (a stalled log collector, journald, a
 * container log driver). Lines the descriptor refuses (EAGAIN on a full pipe) are held, up to
 * `maxBytes`; lines beyond are dropped and counted, and once the held lines are written a
 * warning line says how many were dropped (`event: "log-lines-dropped"`). At process exit the
 * held lines get at most `exitWaitMs` to be written; what is still held then is dropped, so a
 * pipe nobody reads does not keep the process from exiting (rev-observe F3: pino's own
 * destination waited at exit for as long as the pipe stayed full, and held without a cap).
 */
import { writeSync } from 'node:fs';

/** Options of {@link createLogSink}. */
export interface LogSinkOptions {
  /** The file descriptor to write to (2: stderr). */
  fd: number;
  /** Bytes of lines held while the descriptor refuses writes, at most (default 1 MiB). */
  maxBytes?: number;
  /** At process exit, how long the descriptor may take no byte before held lines are dropped (default 2000 ms). */
  exitWaitMs?: number;
  /** At process exit, how long held lines may take in all, even while the reader reads (default 5000 ms). */
  exitMaxMs?: number;
  /** Clock and blocking sleep of the exit flush (tests inject a fake pair). */
  clock?: { now(): number; sleep(ms: number): void };
  /** Between attempts while the descriptor refuses writes (default 100 ms). */
  retryMs?: number;
  /** Whether to flush at process exit (default true; tests call flushAtExit themselves). */
  hookExit?: boolean;
  /** The write (default fs.writeSync); tests inject one that refuses or fails. */
  writeFn?: (fd: number, buf: Buffer, offset: number) => number;
}

/**
 * Write errors that mean the descriptor will never take a line again (the reader closed its
 * end, the descriptor is closed): the log stops. Every other error (EAGAIN on a full pipe,
 * ENOSPC, EDQUOT, EIO on a file) is a refusal: lines are held up to the cap and retried.
 */
const GONE_FOR_GOOD: ReadonlySet<string> = new Set(['EPIPE', 'EBADF', 'ECONNRESET', 'ENOTCONN']);

/** A log destination pino writes its lines to. */
export interface LogSink {
  /** Take one line (pino calls this with each serialised line). */
  write(line: string): boolean;
  /** Bytes held now, waiting for the descriptor. */
  heldBytes(): number;
  /** Lines dropped so far and not yet reported by a `log-lines-dropped` line. */
  dropped(): number;
  /**
   * Lines dropped since the sink was made, never reset (`dockgate_log_lines_dropped_total`):
   * past the cap, held when the reader went for good, taken after it went, and held at exit.
   */
  droppedTotal(): number;
  /**
   * Write what is held while the descriptor takes bytes: give up once it has taken none for
   * `waitMs`, or after `maxMs` in all; drop the rest. Returns how many lines were lost
   * (dropped before, or now).
   */
  flushAtExit(waitMs?: number, maxMs?: number): number;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Block the thread for `ms` (only at exit, where no event loop runs any more). */
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** The warning written once held lines are out, for the lines dropped before (pino's JSON shape, level warn). */
function droppedLine(n: number, reason: string): string {
  const why = reason === 'EAGAIN' || reason === 'EWOULDBLOCK' ? 'its reader stopped reading' : `write error ${reason}`;
  const msg = `${n} operational log lines were dropped: stderr refused writes (${why}) and more than the held limit was waiting`;
  return `${JSON.stringify({ level: 40, time: new Date().toISOString(), component: 'dockgate', event: 'log-lines-dropped', dropped: n, reason, msg })}\n`;
}

/** Create the sink for `opts.fd`. */
export function createLogSink(opts: LogSinkOptions): LogSink {
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const retryMs = opts.retryMs ?? 100;
  /** Held lines; the first may be partly written (`offset` bytes of it). */
  const held: Buffer[] = [];
  let offset = 0;
  let heldBytes = 0;
  let dropped = 0;
  /** Every line dropped so far: `dropped` starts over after each note, this never does. */
  let droppedTotal = 0;
  /** The held `log-lines-dropped` notes: not log lines of their own (their lines are counted already). */
  const notes = new WeakSet<Buffer>();
  /** Held log lines, notes left out. */
  const heldLines = (): number => held.filter((b) => !notes.has(b)).length;
  /** Bytes the descriptor has taken so far: the exit flush's measure of progress. */
  let written = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  /** The code of the last refused write (EAGAIN, ENOSPC, ...), for the dropped-lines note. */
  let refusal = 'EAGAIN';
  const writeFn = opts.writeFn ?? ((fd: number, buf: Buffer, offset: number) => writeSync(fd, buf, offset));

  /** Write what is held until done or refused; true when nothing is held any more. */
  function drain(): boolean {
    while (held.length > 0) {
      const first = held[0] as Buffer;
      let n: number;
      try {
        n = writeFn(opts.fd, first, offset);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        if (!GONE_FOR_GOOD.has(code)) {
          // A full pipe, a full disk, an I/O error: held and retried (rev-fix-observe N4).
          refusal = code;
          return false;
        }
        // The reader is gone (EPIPE) or the descriptor closed: nothing more can be written; drop quietly.
        dropped += held.length;
        droppedTotal += heldLines();
        held.length = 0;
        heldBytes = 0;
        offset = 0;
        closed = true;
        return true;
      }
      offset += n;
      heldBytes -= n;
      written += n;
      if (offset >= first.length) {
        held.shift();
        offset = 0;
      }
    }
    if (dropped > 0 && !closed) {
      // Said once the pipe takes lines again; the count starts over.
      const note = Buffer.from(droppedLine(dropped, refusal));
      notes.add(note);
      dropped = 0;
      held.push(note);
      heldBytes += note.length;
      return drain();
    }
    return true;
  }

  function schedule(): void {
    if (timer) return;
    // unref: a refusing stderr must not keep a stopping gateway alive (flushAtExit has the last word).
    timer = setTimeout(() => {
      timer = undefined;
      if (!drain()) schedule();
    }, retryMs);
    timer.unref();
  }

  const sink: LogSink = {
    write(line) {
      if (closed) {
        droppedTotal += 1;
        return true;
      }
      const buf = Buffer.from(line);
      if (heldBytes + buf.length > maxBytes) {
        dropped += 1;
        droppedTotal += 1;
        return true;
      }
      held.push(buf);
      heldBytes += buf.length;
      // While a retry is pending, keep the order: the line waits its turn.
      if (!timer && !drain()) schedule();
      return true;
    },
    heldBytes: () => heldBytes,
    dropped: () => dropped,
    droppedTotal: () => droppedTotal,
    flushAtExit(waitMs = opts.exitWaitMs ?? 2000, maxMs = opts.exitMaxMs ?? 5000) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const clock = opts.clock ?? { now: () => Date.now(), sleep: sleepSync };
      const start = clock.now();
      let lastProgress = start;
      // A reader that still reads gets its lines, up to maxMs; a stalled one waitMs (rev-fix-observe N3).
      // Progress is bytes taken, not fewer bytes held: a round that writes the last held lines
      // and then queues the dropped-lines note holds more than before, yet the reader read.
      for (;;) {
        const before = written;
        if (drain()) break;
        const t = clock.now();
        if (written > before) lastProgress = t;
        const left = Math.min(lastProgress + waitMs, start + maxMs) - t;
        if (left <= 0) break;
        clock.sleep(Math.min(10, Math.max(1, left)));
      }
      const lost = dropped + held.length;
      droppedTotal += heldLines();
      held.length = 0;
      heldBytes = 0;
      offset = 0;
      dropped = 0;
      closed = true;
      return lost;
    },
  };
  if (opts.hookExit ?? true) process.once('exit', () => void sink.flushAtExit());
  return sink;
}
