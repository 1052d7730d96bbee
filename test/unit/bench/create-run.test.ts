/**
 * bench/lib/create-run.mjs's createdProblems: a create run passes only when the 201s named the
 * containers the run made on the daemon one for one, so a target that answers canned, repeated
 * or borrowed Ids fails even when as many containers were made as 201s were answered.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

type CreatedProblems = (run: { answered: number; ids: string[]; made: string[] }) => string[];

const mod = (await import(pathToFileURL(resolve('bench/lib/create-run.mjs')).href)) as { createdProblems: CreatedProblems };
const id = (n: number) => n.toString(16).padStart(64, '0');

describe('createdProblems (bench/lib/create-run.mjs)', () => {
  it.each([
    ['each 201 names its own container', { answered: 2, ids: [id(1), id(2)], made: [id(2), id(1)] }, []],
    ['nothing answered, nothing made', { answered: 0, ids: [], made: [] }, []],
    [
      'one canned Id for every 201, as many containers made',
      { answered: 3, ids: [id(1), id(1), id(1)], made: [id(1), id(2), id(3)] },
      ['2 answers 201 name an Id that another 201 named too', `2 containers of this run on the daemon were named by no answer 201 (e.g. ${id(2)})`],
    ],
    [
      'an Id that is no container of this run',
      { answered: 1, ids: [id(9)], made: [id(1)] },
      [`1 answers 201 name an Id that is no container of this run on the daemon (e.g. ${id(9)})`, `1 containers of this run on the daemon were named by no answer 201 (e.g. ${id(1)})`],
    ],
    [
      'a 201 without an Id',
      { answered: 1, ids: [''], made: [id(1)] },
      ['1 answers 201 name no Id', `1 containers of this run on the daemon were named by no answer 201 (e.g. ${id(1)})`],
    ],
    [
      'a canned 201, nothing made',
      { answered: 2, ids: [id(1), id(1)], made: [] },
      ['the daemon holds 0 containers of this run for 2 answers 201', '1 answers 201 name an Id that another 201 named too', `1 answers 201 name an Id that is no container of this run on the daemon (e.g. ${id(1)})`],
    ],
    [
      'a refusal that made a container anyway',
      { answered: 0, ids: [], made: [id(4)] },
      ['the daemon holds 1 containers of this run for 0 answers 201', `1 containers of this run on the daemon were named by no answer 201 (e.g. ${id(4)})`],
    ],
    ['fewer Ids than 201s', { answered: 2, ids: [id(1)], made: [id(1), id(2)] }, ['1 Ids read for 2 answers 201', `1 containers of this run on the daemon were named by no answer 201 (e.g. ${id(2)})`]],
  ])('%s', (_name, run, problems) => {
    expect(mod.createdProblems(run)).toEqual(problems);
  });
});
