/** What tenancy does with each operation (operation-plans.ts), and that every owned section's operation has a plan. */
import { describe, expect, it } from 'vitest';
import { OPERATION_TABLE } from '../../../src/facts/operation-table.js';
import { CLASSIFIED_OPERATIONS, OWNED_SECTIONS, planFor } from '../../../src/tenancy/operation-plans.js';

describe('operation plans', () => {
  it.each([
    ['ContainerStop', 'containers', 'object'],
    ['ExecStart', 'exec', 'object'],
    ['ContainerCreate', 'containers', 'create'],
    ['ContainerList', 'containers', 'list'],
    ['ContainerPrune', 'containers', 'prune'],
    ['ImageLoad', 'images', 'admin'],
    ['BuildPrune', 'build', 'none-owned'],
    ['BuildCancel', 'build', 'admin'],
    ['SomeFutureContainerRoute', 'containers', 'admin'],
    ['SystemInfo', 'system', 'pass'],
    ['ImageSearch', 'images', 'pass'],
    // Sections outside tenancy altogether: admins only, whatever the operation.
    ['ServiceCreate', 'services', 'admin'],
    ['ServiceList', 'services', 'admin'],
    ['SwarmInit', 'swarm', 'admin'],
    ['SwarmInspect', 'swarm', 'admin'],
    ['TaskList', 'tasks', 'admin'],
    ['NodeList', 'nodes', 'admin'],
    ['SecretCreate', 'secrets', 'admin'],
    ['ConfigList', 'configs', 'admin'],
    ['PluginPull', 'plugins', 'admin'],
    ['PluginList', 'plugins', 'admin'],
  ])('%s', (name, section, kind) => {
    expect(planFor(name, section).kind).toBe(kind);
  });

  it.each([
    ['SwarmInit', 'swarm', "swarm is outside tenancy's ownership checks, quotas and limits"],
    ['ServiceCreate', 'services', "services are outside tenancy's ownership checks, quotas and limits"],
    ['PluginList', 'plugins', "plugins are outside tenancy's ownership checks, quotas and limits"],
  ])('%s: the reason names the section', (name, section, reason) => {
    expect(planFor(name, section)).toEqual({ kind: 'admin', reason });
  });

  // The fallback (admin-only) is for routes added to the table later; every route known today
  // in an owned section is classified on purpose (ImageSearch fell to it and was refused to
  // tenants as "affects every tenant", rev-routes F1).
  it('every operation of an owned section in the operation table has a plan of its own', () => {
    const unclassified = OPERATION_TABLE.filter((op) => OWNED_SECTIONS.has(op.section) && !CLASSIFIED_OPERATIONS.has(op.name)).map((op) => op.name);
    expect(unclassified).toEqual([]);
  });
});
