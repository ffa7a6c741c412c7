/**
 * Runs the short scenario through the same code as `npm start`, into a temporary out
 * directory, and reads back what it wrote. Each e2e file runs one pipeline in its own process
 * (vitest's forks pool): the X-Ray SDK decides Lambda mode once per process, and the functions'
 * SDK clients keep the endpoints of the run that loaded them.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipeline, type PipelineOptions, type PipelineResult } from '../../local/pipeline/run';
import type { RunSummary } from '../../local/summary';

export interface E2eRun extends PipelineResult {
  outDir: string;
  /** out/summary.json as written. */
  summaryJson: RunSummary;
  read(path: string): Promise<string>;
  list(dir: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function runShortScenario(options: Partial<PipelineOptions> = {}): Promise<E2eRun> {
  const outDir = await mkdtemp(join(tmpdir(), 'uia-e2e-'));
  const result = await runPipeline({
    scenario: 'short',
    seed: 42,
    durationMinutes: undefined,
    speed: undefined,
    duplicates: 1,
    xrayThrottles: 0,
    tracing: 'xray',
    outDir,
    ...options,
  });
  const read = (path: string) => readFile(join(outDir, path), 'utf8');
  return {
    ...result,
    outDir,
    summaryJson: JSON.parse(await read('summary.json')) as RunSummary,
    read,
    list: async (dir) => (await readdir(join(outDir, dir))).sort(),
    cleanup: () => rm(outDir, { recursive: true, force: true }),
  };
}
