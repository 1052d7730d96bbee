/**
 * What `certs` says about a CA key it cannot use (rev-pki finding 7): the key is read first, so
 * garbage, a passphrase or an unsupported type is named as such, not reported as a key that
 * "does not belong to the certificate".
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { openssl, tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

describe('a CA key that cannot be used is named for what it is', () => {
  let root: string;
  beforeAll(async () => {
    root = await tmp();
    expect((await run('init', '--dir', join(root, 'other'))).code).toBe(0);
    const gen = (out: string, ...args: string[]) => expect(openssl('genpkey', ...args, '-out', join(root, out)).status).toBe(0);
    gen('enc-pkcs8.pem', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes256', '-pass', 'pass:x');
    gen('ed25519.pem', '-algorithm', 'ED25519');
    gen('p521.pem', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521');
    const sec1 = openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(root, 'plain-sec1.pem'));
    expect(sec1.status).toBe(0);
    expect(openssl('ec', '-in', join(root, 'plain-sec1.pem'), '-aes256', '-passout', 'pass:x', '-out', join(root, 'enc-legacy.pem')).status).toBe(0);
    await writeFile(join(root, 'garbage.pem'), 'this is not a key\n');
  });

  test.each([
    ['garbage', 'garbage.pem', /cannot read the private key .*ca-key\.pem: .*\(expected an unencrypted PKCS#8, PKCS#1 or SEC1 PEM key\)/],
    ['an encrypted PKCS#8 key', 'enc-pkcs8.pem', /ca-key\.pem is encrypted with a passphrase; encrypted private keys are not supported: decrypt it with "openssl pkey -in .*ca-key\.pem -out .*ca-key\.pem\.plain"/],
    ['an encrypted legacy SEC1 key', 'enc-legacy.pem', /encrypted private keys are not supported/],
    ['an Ed25519 key', 'ed25519.pem', /ca-key\.pem: unsupported key type ed25519 \(use RSA, P-256 or P-384\)/],
    ['a P-521 key', 'p521.pem', /ca-key\.pem: unsupported EC curve secp521r1/],
    ['a readable key of another CA', 'other/ca-key.pem', /ca-key\.pem does not belong to the certificate in .*ca\.pem/],
  ])('%s: exit 1 with its own message', async (_what, keyFile, message) => {
    const dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    await copyFile(join(root, keyFile), join(dir, 'ca-key.pem'));
    for (const argv of [['issue', 'carol'], ['crl']]) {
      const r = await run(...argv, '--dir', dir);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
