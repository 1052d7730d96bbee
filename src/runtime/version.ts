/** The gateway's version, read once from package.json (works from src/ and dist/). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Version string for `dockgate --version` and `dockgate_build_info`. */
export const VERSION = readVersion();
