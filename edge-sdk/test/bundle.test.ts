// The browser entry must bundle without Node built-ins (mqtt stays external).
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('browser bundle', () => {
  it('imports nothing but mqtt', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/browser.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      external: ['mqtt'],
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports).toEqual(['mqtt']);
    expect(result.outputFiles[0]?.text).not.toMatch(/node:/);
  });
});
