/**
 * Scenario files: `--scenario <name>` finds `local/scenarios/<name>.yaml`, anything with a `/`
 * or a `.yaml`/`.yml` ending is a path. The text is parsed as YAML, checked against the schema
 * (schema.ts) and then across fields (semantics.ts); every problem is reported at once, each
 * with the file, the line and column, the path and what was expected:
 *
 *   local/scenarios/flapping.yaml: 1 problem
 *     faults[0].who.segment (line 14, col 16): unknown user segment "vip": expected one of …
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { scenarioFileSchema } from './schema';
import { toScenario, type Scenario } from './scenario';
import { scenarioIssues, type ScenarioIssue } from './semantics';

export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

export interface LocatedIssue extends ScenarioIssue {
  line: number | undefined;
  col: number | undefined;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly issues: readonly LocatedIssue[],
    options?: { cause?: unknown },
  ) {
    super(formatIssues(file, issues), options);
  }
}

/** The shipped scenarios' names, sorted. */
export function scenarioNames(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => basename(f, extname(f)))
    .sort();
}

export function scenarioPath(nameOrPath: string): string {
  return /[/\\]|\.ya?ml$/.test(nameOrPath) ? nameOrPath : join(SCENARIO_DIR, `${nameOrPath}.yaml`);
}

/** Reads and validates a scenario; `ruleIds` are the rules `groupsCreatedAt` may name. */
export function loadScenario(nameOrPath: string, ruleIds: readonly string[]): Scenario {
  const path = scenarioPath(nameOrPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const known = scenarioNames().join(', ');
    throw new ScenarioError(
      path,
      [
        {
          path: [],
          line: undefined,
          col: undefined,
          message: `cannot read it (shipped scenarios: ${known})`,
        },
      ],
      { cause: error },
    );
  }
  return parseScenario(text, path, ruleIds);
}

export function parseScenario(text: string, file: string, ruleIds: readonly string[]): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const locate = (issue: ScenarioIssue): LocatedIssue => ({
    ...issue,
    ...position(doc, lineCounter, issue.path),
  });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => {
        const at = lineCounter.linePos(e.pos[0]);
        return {
          path: [],
          line: at.line,
          col: at.col,
          message: `not valid YAML: ${e.message.split('\n')[0]}`,
        };
      }),
    );
  }
  const parsed = scenarioFileSchema.safeParse(doc.toJS());
  if (!parsed.success) throw new ScenarioError(file, fromZod(parsed.error).map(locate));
  const issues = scenarioIssues(parsed.data, ruleIds);
  const fileName = basename(file, extname(file));
  if (parsed.data.name !== undefined && parsed.data.name !== fileName)
    issues.push({
      path: ['name'],
      message: `"${parsed.data.name}" differs from the file name "${fileName}"`,
    });
  if (issues.length > 0) throw new ScenarioError(file, issues.map(locate));
  return toScenario(parsed.data, parsed.data.name ?? fileName, file);
}

function fromZod(error: z.ZodError): ScenarioIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.filter((k): k is string | number => typeof k !== 'symbol'),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message,
  }));
}

/** Line and column of the deepest node of `path` present in the document. */
function position(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly (string | number)[],
): { line: number | undefined; col: number | undefined } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const at = lineCounter.linePos(node.range[0]);
      return { line: at.line, col: at.col };
    }
  }
  return { line: undefined, col: undefined };
}

export function formatPath(path: readonly (string | number)[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${key}`))
    .join('');
}

function formatIssues(file: string, issues: readonly LocatedIssue[]): string {
  const lines = issues.map((issue) => {
    const where = formatPath(issue.path) || '(file)';
    const at = issue.line === undefined ? '' : ` (line ${issue.line}, col ${issue.col})`;
    return `  ${where}${at}: ${issue.message}`;
  });
  return `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}
