/**
 * What makes a create run's answers trustworthy, read on the daemon's own socket: each run's
 * ContainerCreate body carries a label random per run, so the containers that run made can be
 * listed by their Ids after it, and matched one for one with the Ids the target's 201s named
 * (the load generator's --ids). A refused create must have made none.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiOk } from './docker-api.mjs';
import { RUN_LABEL, createBody } from './fixtures.mjs';

/**
 * A new create run: `run` (its label's random value), `bodyFile` (the 4 KiB body with that
 * label, written in `dir`), `idsFile` (where the load generator writes the 201s' Ids), and
 * `remove()` to delete both files.
 */
export function newCreateRun(dir) {
  const run = randomBytes(8).toString('hex');
  const bodyFile = join(dir, `create-${run}.json`);
  const idsFile = join(dir, `create-${run}.ids`);
  writeFileSync(bodyFile, createBody(run));
  return {
    run,
    bodyFile,
    idsFile,
    remove: () => {
      rmSync(bodyFile, { force: true });
      rmSync(idsFile, { force: true });
    },
  };
}

/** The Ids the load generator wrote for the run's 201s, one per 201 ('' for one without an Id). */
export function answeredIds(idsFile) {
  const text = readFileSync(idsFile, 'utf8');
  return text ? text.split('\n').slice(0, -1) : [];
}

/** The Ids of the containers (running or not) labelled with `run`, listed on the daemon's socket. */
export async function runContainerIds(socket, run) {
  const filters = encodeURIComponent(JSON.stringify({ label: [`${RUN_LABEL}=${run}`] }));
  const list = await apiOk(socket, 'GET', `/containers/json?all=1&filters=${filters}`);
  return list.map((c) => c.Id);
}

/**
 * Problems with a create run's containers: `answered` (the 201s the load generator counted),
 * `ids` (the Id each of them named, answeredIds) and `made` (the Ids of the run's containers on
 * the daemon, runContainerIds) must be one container per 201, each named by exactly one 201.
 */
export function createdProblems({ answered, ids, made }) {
  const problems = [];
  if (made.length !== answered) problems.push(`the daemon holds ${made.length} containers of this run for ${answered} answers 201`);
  if (ids.length !== answered) problems.push(`${ids.length} Ids read for ${answered} answers 201`);
  const missing = ids.filter((id) => !id).length;
  if (missing) problems.push(`${missing} answers 201 name no Id`);
  const named = new Set(ids.filter(Boolean));
  const twice = ids.length - missing - named.size;
  if (twice) problems.push(`${twice} answers 201 name an Id that another 201 named too`);
  const onDaemon = new Set(made);
  const unknown = [...named].filter((id) => !onDaemon.has(id));
  if (unknown.length) problems.push(`${unknown.length} answers 201 name an Id that is no container of this run on the daemon (e.g. ${unknown[0]})`);
  const unnamed = made.filter((id) => !named.has(id));
  if (unnamed.length) problems.push(`${unnamed.length} containers of this run on the daemon were named by no answer 201 (e.g. ${unnamed[0]})`);
  return problems;
}
