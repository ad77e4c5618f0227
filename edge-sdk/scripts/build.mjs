#!/usr/bin/env node
// Builds the publishable SDK into dist/: ESM + CJS bundles for Node, an ESM bundle for browsers, the
// protocol module on its own, .d.ts files (tsc) and dist/package.json whose `exports` point at dist.
// Publish with `npm publish ./dist`. `mqtt` stays external (the SDK's only runtime dependency).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const common = {
  bundle: true,
  external: ['mqtt'],
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};
await Promise.all([
  build({
    ...common,
    entryPoints: { index: 'src/index.ts', protocol: 'src/protocol/index.ts' },
    platform: 'node',
    format: 'esm',
    outdir: dist,
    outExtension: { '.js': '.js' },
  }),
  build({
    ...common,
    entryPoints: { index: 'src/index.ts', protocol: 'src/protocol/index.ts' },
    platform: 'node',
    format: 'cjs',
    outdir: dist,
    outExtension: { '.js': '.cjs' },
  }),
  build({
    ...common,
    entryPoints: { browser: 'src/browser.ts' },
    platform: 'browser',
    format: 'esm',
    outdir: dist,
    minify: true,
  }),
]);

execFileSync(
  process.execPath,
  [join(root, '../node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  { stdio: 'inherit' },
);

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const published = {
  name: pkg.name,
  version: pkg.version,
  description: 'iotlog edge SDK: durable store-and-forward MQTT client and the iotlog wire protocol',
  license: pkg.license,
  type: 'module',
  main: './index.cjs',
  module: './index.js',
  types: './types/index.d.ts',
  browser: { './index.js': './browser.js' },
  exports: {
    '.': {
      types: './types/index.d.ts',
      browser: './browser.js',
      import: './index.js',
      require: './index.cjs',
    },
    './protocol': {
      types: './types/protocol/index.d.ts',
      import: './protocol.js',
      require: './protocol.cjs',
    },
    './browser': { types: './types/browser.d.ts', import: './browser.js' },
  },
  engines: { node: '>=20' },
  dependencies: pkg.dependencies,
};
writeFileSync(join(dist, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
