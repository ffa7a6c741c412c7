/**
 * The repository stands on its own: the README links only inside it, and every relative link in
 * the README and docs/ reaches a file (and heading) that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const LINK = /\[[^\]]*\]\(([^)\s]+)\)/g;

function links(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(LINK)].map((m) => m[1]!);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function anchors(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) =>
      line
        .replace(/^#+ /, '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    );
  return new Set(headings);
}

function broken(file: string): string[] {
  return links(file).flatMap((target) => {
    if (/^[a-z]+:/i.test(target)) return [];
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const resolved = path === '' ? file : normalize(join(dirname(file), path));
    if (!existsSync(resolved)) return [`${file}: ${target} (no such file)`];
    if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
      return [`${file}: ${target} (no such heading)`];
    }
    return [];
  });
}

const docs = readdirSync('docs')
  .filter((f) => f.endsWith('.md'))
  .map((f) => join('docs', f));

describe('documentation links', () => {
  it('the README links only inside the repository', () => {
    const outside = links('README.md').filter((t) => /^[a-z]+:/i.test(t) || normalize(t).startsWith('..'));
    expect(outside).toEqual([]);
  });

  it('every relative link in the README and docs/ resolves, headings included', () => {
    expect(links('README.md').length).toBeGreaterThan(5);
    expect([broken('README.md'), ...docs.map(broken)].flat()).toEqual([]);
  });

  it('docs/ holds the architecture, the security model and the facts the code cites', () => {
    for (const page of ['architecture.md', 'aws-events.md', 'security.md', 'background.md']) {
      expect(docs, page).toContain(join('docs', page));
    }
  });
});
