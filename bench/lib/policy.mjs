/**
 * A realistic policy for the bench: an admin rule, a deny rule for everyone, 48 team rules
 * with full guard sets (the shape config/policies/developer.yaml has, once per team), then
 * the two load clients' rules last, so every bench request walks past all the others.
 * `bench` is allowed by its guards to create busybox containers; `bench-denied` runs the
 * same request and is refused by the images guard after its body was inspected.
 */

const TEAM_COUNT = 48;

const CONTAINER_OPS = ['ContainerCreate', 'ContainerStart', 'ContainerStop', 'ContainerKill', 'ContainerWait', 'ContainerDelete', 'ContainerAttach', 'ContainerExec', 'ExecStart', 'ExecResize'];

function guards(images, binds) {
  return [
    '    guards:',
    '      privileged: false',
    '      hostNamespaces: false',
    `      binds: ${binds}`,
    '      volumesFrom: false',
    '      capabilities: { allow: [NET_BIND_SERVICE] }',
    '      devices: false',
    '      securityOptions: false',
    '      maskedPaths: false',
    '      sysctls: false',
    '      cgroupParent: false',
    '      runtimes: false',
    '      logDrivers: { allow: [json-file, local] }',
    '      volumeDrivers: false',
    `      images: { allow: [${images.map((i) => JSON.stringify(i)).join(', ')}] }`,
  ];
}

/** The policy YAML and its rule count. */
export function benchPolicy() {
  const lines = ['version: 1', 'mode: enforce', 'rules:'];
  let rules = 0;
  const rule = (...body) => {
    lines.push(...body);
    rules += 1;
  };
  rule('  - name: admins-anything', '    who: { groups: [admin] }', '    allow: all');
  rule('  - name: no-plugins-or-swarm', '    who: { anyone: true }', '    deny: [section:plugins, section:swarm, section:services, section:nodes, section:secrets, section:configs, section:debug]');
  for (let i = 1; i <= TEAM_COUNT; i += 1) {
    const team = `team-${String(i).padStart(2, '0')}`;
    rule(
      `  - name: ${team}`,
      `    who: { groups: [${team}], users: [${team}-lead] }`,
      `    allow: [power:read, ${CONTAINER_OPS.join(', ')}]`,
      ...guards([`registry.example.com/${team}/*`, 'busybox'], `{ allow: ["/srv/${team}/{user}"] }`),
    );
  }
  rule(
    '  - name: bench-denied',
    '    who: { users: [bench-denied] }',
    '    allow: [power:read, ContainerCreate]',
    ...guards(['registry.example.com/bench/*'], 'false'),
  );
  rule(
    '  - name: bench',
    '    who: { users: [bench] }',
    `    allow: [power:read, ${CONTAINER_OPS.join(', ')}, ContainerArchive, PutContainerArchive, ContainerPrune]`,
    ...guards(['busybox'], 'false'),
  );
  return { yaml: lines.join('\n') + '\n', rules };
}
