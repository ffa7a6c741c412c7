/**
 * The shop's structural promises: only the X-Ray SDK backend touches the X-Ray SDK and only the
 * OpenTelemetry backend touches OpenTelemetry (handlers see the port, functions/shared/tracing.ts),
 * and shop code never imports local/ or infra/.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const importsOf = (text: string) =>
  [...text.matchAll(/\bfrom\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);

describe('shop boundaries', () => {
  async function importersOf(matches: (spec: string) => boolean): Promise<string[]> {
    const files = [...(await sources('functions')), ...(await sources('local')), ...(await sources('infra'))];
    const importers: string[] = [];
    for (const file of files) {
      if (
        importsOf(await readFile(join(root, file), 'utf8')).some(
          (spec) => spec !== undefined && matches(spec),
        )
      )
        importers.push(file);
    }
    return importers.sort();
  }

  it('imports aws-xray-sdk-core only in the X-Ray SDK backend', async () => {
    expect(await importersOf((spec) => spec.startsWith('aws-xray-sdk-core'))).toEqual([
      'functions/shared/tracing-xray.ts',
      'functions/shared/xray/als-context.ts',
      'functions/shared/xray/lambda-facade.ts',
    ]);
  });

  it('imports OpenTelemetry only in the OpenTelemetry backend', async () => {
    expect(await importersOf((spec) => spec.startsWith('@opentelemetry/'))).toEqual([
      'functions/shared/otel/aws-sdk-spans.ts',
      'functions/shared/otel/xray-otlp-exporter.ts',
      'functions/shared/tracing-otel.ts',
    ]);
  });

  it('keeps functions/cart free of local/ and infra/', async () => {
    for (const file of await sources('functions/cart')) {
      const imports = importsOf(await readFile(join(root, file), 'utf8'));
      expect(
        imports.filter((i) => /(^|\/)(local|infra)\//.test(i ?? '')),
        file,
      ).toEqual([]);
    }
  });
});
