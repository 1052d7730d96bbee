/** A stand-in for the operational log that keeps every line it is given, for exact comparisons. */
export interface LogRecorder {
  /** Every line written, in order: its level, its fields and its message. */
  lines: Array<{ level: string; obj: object; msg: string }>;
  /** The log to pass to the code under test. */
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
}

/** A fresh recorder with no lines. */
export function recorder(): LogRecorder {
  const lines: LogRecorder['lines'] = [];
  const keep = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, log: { info: keep('info'), warn: keep('warn'), error: keep('error') } };
}
