/**
 * The config file is read at start only (rev-config F5): a SIGHUP after it changed reloads the
 * policy and TLS files, and says that the config change is not applied, instead of leaving the
 * operator with `policy loaded` and the belief that the new config is in force.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { configYaml, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;

const lines = (text: string): string[] => gw.stderr().split('\n').filter((l) => l.includes(text));

beforeAll(async () => {
  pki = await makePki({ admin: [] });
  const policy = join(pki.dir, 'policy.yaml');
  writeFileSync(policy, 'version: 1\nrules:\n  - { name: admin, who: { users: [admin] }, allow: all }\n');
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policy}\n`));
});

afterAll(async () => {
  await gw?.stop();
});

it('a SIGHUP with the config unchanged says nothing about it', async () => {
  const before = lines('"msg":"policy loaded"').length;
  gw.process.kill('SIGHUP');
  await until(() => lines('"msg":"policy loaded"').length > before, 10_000, 'the reload');
  expect(lines('config-not-reloaded')).toEqual([]);
});

it('a SIGHUP after the config changed warns that the change is not applied', async () => {
  appendFileSync(gw.configFile, 'limits: { streamsPerIdentity: 1 }\n');
  const before = lines('"msg":"policy loaded"').length;
  gw.process.kill('SIGHUP');
  await until(() => lines('"msg":"policy loaded"').length > before, 10_000, 'the reload');
  const warned = lines('"event":"config-not-reloaded"');
  expect(warned).toHaveLength(1);
  expect(JSON.parse(warned[0] ?? '{}')).toMatchObject({
    level: 40,
    file: gw.configFile,
    msg: `the config file ${gw.configFile} has changed since start, and the change is not applied: the config is read at start only (SIGHUP reloads the policy and TLS files); restart the gateway to apply it`,
  });
});
