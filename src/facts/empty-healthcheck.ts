/**
 * A health check of `["CMD"]`, a command with nothing after its `CMD`. dockerd 20.10 checks only
 * a health check's timings when it creates a container; its probe then takes the command from
 * `Test[1:]` and reads past the end of the empty list (getEntrypointAndArgs). The probe runs
 * in a goroutine of its own, so the panic ends the whole daemon, one interval after the start:
 * every client is cut off, and with a restart policy the daemon crashes again each time it
 * comes back (seen on the real daemon). dockerd's own probe switch is case-sensitive, and
 * `CMD-SHELL` with no command runs the shell, so `["CMD"]` exactly is the one to refuse, in
 * each body a health check reaches containers from: a create, a commit (the image carries it
 * to every container made from it), a service's container spec. Pure.
 */
import type { JsonValue } from '../core/types.js';
import { fieldAt, fieldPlace, type FieldPlace } from './go-fold.js';

/** A `Healthcheck.Test` where a body may hold one. */
const CONFIG_TEST = fieldPlace('Healthcheck', 'Test');
const SERVICE_TEST = fieldPlace('TaskTemplate', 'ContainerSpec', 'Healthcheck', 'Test');

/**
 * Where an operation's body holds a `Healthcheck` (container.Config, or a service's container
 * spec). Built once: the check runs on every create.
 */
const TEST_BY_OPERATION: ReadonlyMap<string, FieldPlace> = new Map([
  ['ContainerCreate', CONFIG_TEST],
  ['ImageCommit', CONFIG_TEST],
  ['ServiceCreate', SERVICE_TEST],
  ['ServiceUpdate', SERVICE_TEST],
]);

/** The path of a `Healthcheck.Test` that is exactly `["CMD"]`, or undefined. */
export function emptyHealthcheckCommand(operation: string, body: JsonValue | undefined): string | undefined {
  const place = TEST_BY_OPERATION.get(operation);
  if (place === undefined) return undefined;
  const test = fieldAt(body, place.at);
  return Array.isArray(test) && test.length === 1 && test[0] === 'CMD' ? place.path : undefined;
}
