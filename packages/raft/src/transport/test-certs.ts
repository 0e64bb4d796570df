import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TlsOptions } from './ws-transport.js';

const EC = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';

function openssl(dir: string, args: string): void {
  execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'ignore' });
}

/**
 * Test helper: a throw-away CA in `dir` and certificates signed by it, valid
 * for localhost/127.0.0.1 as server and client, with subject CN = `cn`.
 * Needs the `openssl` binary.
 */
export function makeTestCerts(dir: string, cns: readonly string[]): Record<string, TlsOptions> {
  openssl(dir, `req -x509 ${EC} -keyout ca.key -out ca.pem -days 1 -subj /CN=test-ca`);
  writeFileSync(
    path.join(dir, 'ext.cnf'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  const read = (f: string): Buffer => readFileSync(path.join(dir, f));
  const out: Record<string, TlsOptions> = {};
  for (const cn of cns) {
    openssl(dir, `req ${EC} -keyout ${cn}.key -out ${cn}.csr -subj /CN=${cn}`);
    openssl(
      dir,
      `x509 -req -in ${cn}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out ${cn}.pem -days 1 -extfile ext.cnf`,
    );
    out[cn] = { key: read(`${cn}.key`), cert: read(`${cn}.pem`), ca: read('ca.pem') };
  }
  return out;
}
