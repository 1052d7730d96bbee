/**
 * Watches files for changes by polling their stat (robust against editors and tools that
 * replace files by rename, which break inotify watches), calling back once per change burst.
 */
import { unwatchFile, watchFile, type Stats } from 'node:fs';

/** Watch `files`; `onChange` runs after a change settles. Returns a function that stops watching. */
export function watchFiles(files: readonly string[], onChange: (file: string) => void, intervalMs = 1000): () => void {
  const timers = new Map<string, NodeJS.Timeout>();
  const listeners = files.map((file) => {
    const listener = (curr: Stats, prev: Stats): void => {
      if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
      clearTimeout(timers.get(file));
      // Let a writer finish (cert and key are often written one after the other).
      timers.set(file, setTimeout(() => onChange(file), 300).unref());
    };
    watchFile(file, { interval: intervalMs, persistent: false }, listener);
    return { file, listener };
  });
  return () => {
    for (const { file, listener } of listeners) unwatchFile(file, listener);
    for (const t of timers.values()) clearTimeout(t);
  };
}
