/** The owner labels (labels.ts): added to a create body, the reserved prefix, ownership read back, Go's struct fields. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/types.js';
import { BodyShapeError, goObjectAt, ownershipOf, reservedKeys, withOwnerLabels } from '../../../src/tenancy/labels.js';

describe('labels', () => {
  it.each([
    [{ Image: 'busybox' }, { Image: 'busybox', Labels: { 'dockgate.owner': 'alice', 'dockgate.team': 'web' } }],
    [{ labels: { x: '1' } }, { labels: { x: '1', 'dockgate.owner': 'alice', 'dockgate.team': 'web' } }],
    // Go folds the field name: the client's `LABELS` is the field dockerd fills, so ours goes there.
    [{ LABELS: null }, { LABELS: { 'dockgate.owner': 'alice', 'dockgate.team': 'web' } }],
    [{ Labelſ: { x: '1' } }, { Labelſ: { x: '1', 'dockgate.owner': 'alice', 'dockgate.team': 'web' } }],
  ])('withOwnerLabels %j', (body, want) => {
    expect(withOwnerLabels(body as JsonObject, ['Labels'], { 'dockgate.owner': 'alice', 'dockgate.team': 'web' })).toEqual(want);
  });

  it.each([
    [{ 'dockgate.owner': 'x' }, ['dockgate.owner']],
    [{ 'Dockgate.Team': 'x', other: 'y' }, ['Dockgate.Team']],
    [{ dockgate: 'x' }, []],
    // Only the prefix is reserved: a tenant's own namespace may hold the word.
    [{ 'com.example.dockgate.x': 'y', 'x.Dockgate.owner': 'z' }, []],
    [null, []],
  ])('reservedKeys %j', (labels, want) => {
    expect(reservedKeys(labels)).toEqual(want);
  });

  it('ownershipOf ignores empty and non-string values', () => {
    expect(ownershipOf({ 'dockgate.owner': 'a', 'dockgate.team': '' })).toEqual({ owner: 'a' });
    expect(ownershipOf({ 'dockgate.owner': 1 })).toEqual({});
  });

  // Labels that are no map (an image or volume without labels lists them as null): no owner.
  it.each([[null], [undefined], ['dockgate.owner'], [['dockgate.owner=a']]])('ownershipOf(%j) is unowned', (labels) => {
    expect(ownershipOf(labels as never)).toEqual({});
  });

  // A struct field holding a non-object is dockerd's refusal, never rewritten into an object.
  it.each([
    [{ HostConfig: 'x' }, ['HostConfig'], 'HostConfig is a string where dockerd reads an object'],
    [{ HostConfig: { LogConfig: [1] } }, ['HostConfig', 'LogConfig'], 'HostConfig.LogConfig is a list where dockerd reads an object'],
    [{ hostconfig: 5 }, ['HostConfig'], 'HostConfig is a number'],
  ])('goObjectAt(%j, %j) refuses', (body, path, message) => {
    const b = structuredClone(body) as JsonObject;
    expect(() => goObjectAt(b, ...path)).toThrow(BodyShapeError);
    expect(() => goObjectAt(b, ...path)).toThrow(message);
    expect(b).toEqual(body);
  });

  it.each([
    [{}, ['HostConfig'], { HostConfig: {} }],
    [{ HostConfig: null }, ['HostConfig', 'LogConfig'], { HostConfig: { LogConfig: {} } }],
    [{ hostconfig: { a: 1 } }, ['HostConfig'], { hostconfig: { a: 1 } }],
  ])('goObjectAt(%j, %j) finds or makes the object', (body, path, want) => {
    const b = structuredClone(body) as JsonObject;
    goObjectAt(b, ...path);
    expect(b).toEqual(want);
  });
});
