// A throw-away CA, server certificate (127.0.0.1/localhost) and device client certificates made with openssl.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TestPki = {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  client(name: string): { certFile: string; keyFile: string; fingerprint: string };
};

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'iotlog-broker-pki-'));
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=iotlog-test-ca',
    ],
    dir,
  );
  function issue(name: string, ext: string): void {
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  }
  issue('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    client(name) {
      issue(name, 'extendedKeyUsage=clientAuth\n');
      const cert = new X509Certificate(readFileSync(join(dir, `${name}.crt`)));
      return {
        certFile: join(dir, `${name}.crt`),
        keyFile: join(dir, `${name}.key`),
        fingerprint: createHash('sha256').update(cert.raw).digest('hex'),
      };
    },
  };
}
