/**
 * Gateway-wide locks on the name of a volume or network being created. The checks before such a
 * create ("exists and is someone else's", dockerd 20.10's CheckDuplicate) are not atomic with it:
 * two tenants creating one name at once both passed them (one was answered 201 with the other's
 * volume; two networks of one name were made). Under the name's lock, held from before the
 * checks until the daemon has answered the create, creates of one name run one after another.
 */
import type { TenancyContext } from './context.js';
import type { TenancyVerdict } from './hook.js';

/** Run `admit` under the lock of `kind` `name` (all tenants); a forward verdict keeps it until its release. */
export async function underNameLock(ctx: TenancyContext, kind: 'volume' | 'network', name: string, admit: () => Promise<TenancyVerdict>): Promise<TenancyVerdict> {
  const release = await ctx.locks.acquire(`${kind}-name:${name}`);
  let verdict: TenancyVerdict;
  try {
    verdict = await admit();
  } catch (err) {
    release();
    throw err;
  }
  if (verdict.kind !== 'forward') {
    release();
    return verdict;
  }
  const inner = verdict.release;
  verdict.release = () => {
    inner?.();
    release();
  };
  return verdict;
}
