/**
 * The `logOptions` guard: log option maps of creates, the legacy top-level LogConfig and
 * services (not container updates, whose LogConfig dockerd ignores), read as dockerd reads them
 * (exact map keys, folded field names, values parsed by log-option-values.ts), and its settings
 * refused at load.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/policy/evaluate.js';
import { guardCases, type GuardCase } from './guard-cases.js';
import { alice, guarded, problems, req } from './fixtures.js';

const create = (body: unknown) => req('POST', '/v1.41/containers/create', body);
const logs = (Config: unknown, Type = 'json-file') => create({ Image: 'busybox', HostConfig: { LogConfig: { Type, Config } } });
const service = (LogDriver: unknown) => req('POST', '/v1.41/services/create', { TaskTemplate: { ContainerSpec: { Image: 'busybox' }, LogDriver } });

type Case = GuardCase;

function run(guards: string, cases: Case[]) {
  guardCases(guarded(guards), alice, cases);
}

const PRESET = 'logOptions: { maxSize: 100m, maxFile: 5, allow: [max-size, max-file, compress, mode, max-buffer-size, labels, tag] }';

describe('logOptions with maxima and an allow list', () => {
  run(PRESET, [
    // What the docker CLI sends without --log-opt.
    ['docker run default: empty Config', logs({}, ''), undefined],
    ['no LogConfig at all', create({ Image: 'busybox', HostConfig: {} }), undefined],
    ['Config null', logs(null), undefined],
    ['max-size at the maximum', logs({ 'max-size': '100m', 'max-file': '5' }), undefined],
    ['max-size 10m', logs({ 'max-size': '10m' }), undefined],
    ['100MiB is decimal for dockerd: 100,000,000 bytes', logs({ 'max-size': '100MiB' }), undefined],
    ['100 m (one space)', logs({ 'max-size': '100 m' }), undefined],
    ['max-size 100g', logs({ 'max-size': '100g' }), 'log-option', 'HostConfig.LogConfig.Config["max-size"] "100g" (100000000000 bytes) is above the allowed 100000000 bytes'],
    ['max-size 100000001 bytes', logs({ 'max-size': '100000001' }), 'log-option', 'above the allowed'],
    ['max-size 0.1g = 100m', logs({ 'max-size': '0.1g' }), undefined],
    ['max-size 0.1000001g', logs({ 'max-size': '0.1000001g' }), 'log-option', '(100000100 bytes)'],
    ['upper-case unit', logs({ 'max-size': '1G' }), 'log-option', 'above the allowed'],
    ['1e3 (newer dockerd: 1000 bytes)', logs({ 'max-size': '1e3' }), 'log-option', 'is not a size dockerd reads the same way'],
    ['+100m', logs({ 'max-size': '+100m' }), 'log-option', 'is not a size'],
    ['leading space', logs({ 'max-size': ' 100m' }), 'log-option', 'is not a size'],
    ['-1', logs({ 'max-size': '-1' }), 'log-option', 'is not a size'],
    ['max-file 99999', logs({ 'max-size': '10m', 'max-file': '99999' }), 'log-option', 'HostConfig.LogConfig.Config["max-file"] "99999" is above the allowed 5'],
    ['max-file +6', logs({ 'max-file': '+6' }), 'log-option', 'above the allowed 5'],
    ['max-file 005', logs({ 'max-file': '005' }), undefined],
    ['max-file out of int64', logs({ 'max-file': '99999999999999999999' }), 'log-option', 'is not a number dockerd reads'],
    ['max-file 1e9', logs({ 'max-file': '1e9' }), 'log-option', 'is not a number'],
    ['local driver too', logs({ 'max-size': '1t' }, 'local'), 'log-option', 'above the allowed'],
    ['daemon default driver too', logs({ 'max-size': '1t' }, ''), 'log-option', 'above the allowed'],
    // Map keys are exact in Go; the struct field names around them are folded.
    ['key not allowed', logs({ 'syslog-address': 'tcp://x:514' }), 'log-option', 'HostConfig.LogConfig.Config["syslog-address"] is not an allowed log option'],
    ['key case differs: a different key', logs({ 'Max-Size': '100g' }), 'log-option', '["Max-Size"] is not an allowed log option'],
    ['folded field names', create({ Image: 'busybox', hostconfig: { logconfig: { type: 'json-file', config: { 'max-size': '100g' } } } }), 'log-option', 'above the allowed'],
    ['legacy top-level LogConfig', create({ Image: 'busybox', LogConfig: { Type: 'json-file', Config: { 'max-size': '100g' } } }), 'log-option', 'LogConfig.Config["max-size"]'],
    ['value not a string', logs({ 'max-size': 1 }), 'log-option', 'is a number, not a string'],
    ['Config not a map', logs(['max-size=100g']), 'log-option', 'HostConfig.LogConfig.Config is a list, not a map'],
    ['refused value of a secret key is not quoted', logs({ 'splunk-token': 's3cret' }), 'log-option', 'splunk-token'],
    // dockerd decodes an update body into UpdateConfig (resources, restart policy), which has no
    // LogConfig: dockerd 20.10 answers 200 and inspect shows the container's LogConfig unchanged
    // (checked 2026-12-07 with the body below, and with it under HostConfig). Nothing to refuse.
    ['update body with LogConfig: dockerd ignores it', req('POST', '/v1.41/containers/abc/update', { LogConfig: { Type: 'json-file', Config: { 'max-size': '100g' } } }), undefined],
    ['update body with HostConfig.LogConfig: ignored too', req('POST', '/v1.41/containers/abc/update', { HostConfig: { LogConfig: { Config: { 'max-size': '100g' } } } }), undefined],
    ['service options', service({ Name: 'json-file', Options: { 'max-size': '100g' } }), 'log-option', 'TaskTemplate.LogDriver.Options["max-size"]'],
    ['service within bounds', service({ Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '3' } }), undefined],
    ['service without LogDriver', service(null), undefined],
    ['other operations untouched', req('POST', '/v1.41/volumes/create', { Name: 'v', DriverOpts: { 'max-size': '100g' } }), undefined],
  ]);
  it('never quotes a refused value', () => {
    expect(decide(guarded(PRESET), alice, logs({ 'splunk-token': 's3cret' })).reason).not.toContain('s3cret');
  });
});

describe('logOptions: requireMaxSize', () => {
  run('logOptions: { maxSize: 100m, requireMaxSize: true }', [
    ['docker run default refused', logs({}, ''), 'log-option', 'HostConfig.LogConfig sets no max-size'],
    ['no LogConfig refused', create({ Image: 'busybox' }), 'log-option', 'sets no max-size'],
    ['json-file without max-size', logs({ 'max-file': '3' }), 'log-option', 'sets no max-size'],
    ['json-file with max-size', logs({ 'max-size': '10m' }), undefined],
    ['local without max-size (20 MiB x 5 by default)', logs({}, 'local'), undefined],
    ['service without LogDriver', service(null), 'log-option', 'TaskTemplate.LogDriver sets no max-size'],
  ]);
});

describe('logOptions switches', () => {
  run('logOptions: false', [
    ['empty Config', logs({}), undefined],
    ['any key', logs({ 'max-size': '1m' }), 'log-option', 'is not an allowed log option'],
  ]);
  run('logOptions: true', [['anything', logs({ 'max-size': '100g', 'max-file': '99999' }), undefined]]);
  run('logOptions: { maxFile: 3 }', [['any key, bounded max-file', logs({ 'max-size': '100g', 'tag': 'x', 'max-file': '3' }), undefined]]);
});

describe('logOptions settings refused at load', () => {
  it.each([
    ['logOptions: { maxSize: "1e3" }', 'must be a size as dockerd reads max-size'],
    ['logOptions: { maxSize: "0" }', 'above 0'],
    ['logOptions: { maxSize: 100x }', 'must be a size'],
    ['logOptions: { maxFile: 0 }', 'must be a positive integer'],
    ['logOptions: { maxFile: "5" }', 'must be a positive integer'],
    ['logOptions: { allow: max-size }', 'must be a list of strings'],
    ['logOptions: { requireMaxSize: yes-please }', 'must be true or false'],
    ['logOptions: { maxsize: 1m }', 'unknown key "maxsize"'],
    ['logOptions: {}', 'needs at least one of'],
    ['logOptions: 5', 'must be true, false or'],
  ])('%s', (guards, message) => {
    const text = `version: 1\nrules:\n  - name: r\n    who: { anyone: true }\n    allow: [ContainerCreate]\n    guards:\n      ${guards}\n`;
    expect(problems(text)).toContainEqual(expect.objectContaining({ message: expect.stringContaining(message) }));
  });
});
