import { describe, expect, it } from 'vitest';
import { BuildAnswerReader, labelledFor, readBuildAnswer, shownOwnerLabels } from '../../../src/tenancy/build-answer.js';
import { exportsImage, streamError } from '../../../src/tenancy/build-result-check.js';

const ID = `sha256:${'ab'.repeat(32)}`;
const ID2 = `sha256:${'cd'.repeat(32)}`;
const idLine = `{"id":"moby.image.id","aux":{"ID":"${ID}"}}\r\n`;
const trace = `{"id":"moby.buildkit.trace","aux":"${Buffer.from('naming to docker.io/library/x:1 error moby.image.id').toString('base64')}"}\r\n`;
const error = '{"errorDetail":{"message":"failed to solve: boom"},"error":"failed to solve: boom"}\r\n';

describe('readBuildAnswer: what dockerd 20.10 writes in a BuildKit build\'s stream', () => {
  it.each([
    ['a successful build', trace + trace + idLine, { imageIds: [ID], failed: false }],
    ['a failed build', trace + error, { imageIds: [], failed: true }],
    ['an image ID then an error (still checked)', idLine + error, { imageIds: [ID], failed: true }],
    ['squash: two moby.image.id messages, both kept in order', idLine + idLine.replace(ID, ID2), { imageIds: [ID, ID2], failed: false }],
    ['the same ID twice is kept once', idLine + idLine, { imageIds: [ID], failed: false }],
    ['local/tar outputs: no image ID', trace, { imageIds: [], failed: false }],
    ['the last line without its newline', trace + idLine.trim(), { imageIds: [ID], failed: false }],
    ['an ID that is not sha256:<64 hex>', '{"id":"moby.image.id","aux":{"ID":"sha256:abc"}}\r\n', { imageIds: [], failed: false }],
    ['an ID not in aux', `{"id":"moby.image.id","ID":"${ID}"}\r\n`, { imageIds: [], failed: false }],
    ['another aux id', `{"id":"moby.other","aux":{"ID":"${ID}"}}\r\n`, { imageIds: [], failed: false }],
    ['a line that is not JSON', `moby.image.id ${ID} error\r\n`, { imageIds: [], failed: false }],
    ['an empty error', '{"error":""}\r\n', { imageIds: [], failed: false }],
    ['a plain stream line mentioning error', '{"stream":"error: nothing\\n"}\r\n', { imageIds: [], failed: false }],
    ['errorDetail alone', '{"errorDetail":{"message":"x"}}\r\n', { imageIds: [], failed: true }],
  ])('%s', (_name, body, want) => {
    expect(readBuildAnswer(body)).toEqual(want);
  });

  // `docker build -q` (q=1): dockerd drops the aux messages of a successful build and writes
  // the ID itself as a stream line; only then is such a line read.
  const quietLine = `{"stream":"${ID}\\n"}\r\n`;
  it.each([
    ['quiet: the ID line of a successful build', quietLine, true, { imageIds: [ID], failed: false }],
    ['quiet: the ID line without its newline at the end', quietLine.trim(), true, { imageIds: [ID], failed: false }],
    ['quiet: a failed build (buffered aux, then the error)', trace + error, true, { imageIds: [], failed: true }],
    ['quiet: moby.image.id (written with the buffer before an error) still read', idLine + error, true, { imageIds: [ID], failed: true }],
    ['quiet: an empty ID line (no image exported)', '{"stream":"\\n"}\r\n', true, { imageIds: [], failed: false }],
    ['quiet: a stream line that is not exactly the ID and a newline', `{"stream":"Successfully tagged ${ID}\\n"}\r\n{"stream":"${ID}"}\r\n{"stream":" ${ID}\\n"}\r\n`, true, { imageIds: [], failed: false }],
    ['quiet: a short ID', '{"stream":"sha256:abc\\n"}\r\n', true, { imageIds: [], failed: false }],
    ['not quiet: the ID line is not read', quietLine, false, { imageIds: [], failed: false }],
  ])('%s', (_name, body, quiet, want) => {
    expect(readBuildAnswer(body, quiet)).toEqual(want);
  });

  it('reads an ID line split across pieces, at any byte', () => {
    const whole = Buffer.from(trace + idLine);
    for (let cut = 1; cut < whole.length; cut++) {
      const reader = new BuildAnswerReader();
      reader.push(whole.subarray(0, cut));
      reader.push(whole.subarray(cut));
      expect(reader.facts().imageIds, `cut at ${cut}`).toEqual([ID]);
    }
  });

  it('skips a line too long to be one it reads (a trace), and reads the next', () => {
    const huge = `{"id":"moby.buildkit.trace","aux":"${'A'.repeat(200 * 1024)}"}\r\n`;
    const reader = new BuildAnswerReader();
    for (let i = 0; i < huge.length; i += 7000) reader.push(Buffer.from(huge.slice(i, i + 7000)));
    reader.push(Buffer.from(idLine));
    expect(reader.facts()).toEqual({ imageIds: [ID], failed: false });
  });
});

describe('labelledFor: exactly the tenant\'s owner and team labels', () => {
  it.each([
    [{ 'dockgate.owner': 'alice', 'dockgate.team': 'web' }, 'alice', 'web', true],
    [{ 'dockgate.owner': 'alice', 'dockgate.team': 'web', other: 'x' }, 'alice', 'web', true],
    [{ 'dockgate.owner': 'carol', 'dockgate.team': 'data' }, 'alice', 'web', false],
    [{ 'dockgate.owner': 'alice', 'dockgate.team': 'data' }, 'alice', 'web', false],
    [{ 'dockgate.owner': 'alice' }, 'alice', 'web', false],
    [{ 'dockgate.owner': 'alice', 'dockgate.team': '' }, 'alice', undefined, true],
    [{ 'dockgate.owner': 'alice' }, 'alice', undefined, true],
    [{ 'dockgate.owner': 'alice', 'dockgate.team': 'web' }, 'alice', undefined, false],
    [{ 'Dockgate.Owner': 'alice', 'dockgate.team': 'web' }, 'alice', 'web', false],
    [{ 'dockgate.owner': 'ALICE', 'dockgate.team': 'web' }, 'alice', 'web', false],
    [{}, 'alice', 'web', false],
    [null, 'alice', 'web', false],
    [undefined, 'alice', undefined, false],
  ])('%j for %s/%s: %s', (labels, owner, team, want) => {
    expect(labelledFor(labels, owner, team)).toBe(want);
  });

  it('names the labels found', () => {
    expect(shownOwnerLabels({ 'dockgate.owner': 'carol', 'dockgate.team': 'data' })).toBe('dockgate.owner="carol", dockgate.team="data"');
    expect(shownOwnerLabels(null)).toBe('no dockgate.owner label, no dockgate.team label');
  });
});

describe('exportsImage: whether the build writes an image (the moby exporter)', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['[]', true],
    ['null', true],
    ['not json', true],
    ['[{"Type":"local","Attrs":{}}]', false],
    ['[{"type":"tar"}]', false],
  ])('outputs=%s: %s', (outputs, want) => {
    expect(exportsImage(outputs)).toBe(want);
  });
});

it('streamError is the message line the docker CLI fails on', () => {
  expect(streamError('dockgate: no').toString()).toBe('{"errorDetail":{"message":"dockgate: no"},"error":"dockgate: no"}\r\n');
});

// The CLI prints the message: the tenant's name in it (`denied ... for <name>`) showed bidi and
// zero-width characters raw.
it.each([
  ['a bidi override and a zero-width space', 'for \u202Eecila: mal\u200Blory', 'for \\u202Eecila: mal\\u200Blory'],
  ['a newline and ESC', 'x\n\u001b[2J', 'x\\u000A\\u001B[2J'],
  ['plain non-ASCII stays', 'for Zoë', 'for Zoë'],
])('streamError writes hidden characters as \\uXXXX: %s', (_what, message, shown) => {
  const line = streamError(message).toString();
  expect(line.endsWith('}\r\n')).toBe(true);
  // What the CLI reads, once it has decoded the JSON.
  expect(JSON.parse(line)).toEqual({ errorDetail: { message: shown }, error: shown });
});
