/**
 * This repository's rules as a rule source, for the tests, benches and local previews that run
 * the CLI's commands in process (the CLI itself loads rules/index.ts as any rule file).
 */
import { fileURLToPath } from 'node:url';
import { ruleSetDefinition } from '../rules';
import { ruleSourceOf } from './rule-source';

export const REPO_RULE_FILE = fileURLToPath(new URL('../rules/index.ts', import.meta.url));
export const REPO_TESTS_DIR = fileURLToPath(new URL('../rules/tests/', import.meta.url));

export const repoRuleSource = ruleSourceOf(ruleSetDefinition, REPO_RULE_FILE, REPO_TESTS_DIR);
