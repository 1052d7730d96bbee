/**
 * A daemon answer (404, 409) passed on to the client unchanged, as the verdict of a tenancy
 * check that looked something up and got a refusal from dockerd.
 */
import type { TenancyVerdict } from './hook.js';

/** Pass a daemon answer (404, 409) on unchanged, so the client sees what dockerd says. */
export function daemonAnswer(answer: { status: number; raw: Buffer; contentType: string }): TenancyVerdict {
  return { kind: 'respond', status: answer.status, headers: { 'Content-Type': answer.contentType || 'application/json', 'Content-Length': String(answer.raw.length) }, body: answer.raw };
}
