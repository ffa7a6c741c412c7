/**
 * X-Ray filter expressions, offline: parse with actionable errors, evaluate against the
 * project's `Trace` model, explain a decision clause by clause, and run rule tests as data.
 * Grammar, semantics and the choices made where AWS's docs are silent: README.md.
 */
export type * from './ast';
export { nodeText } from './ast';
export { parseFilter, type ParseResult } from './parser';
export {
  formatFilterError,
  FilterParseError,
  FilterUnknownError,
  type FilterErrorCode,
  type FilterSyntaxError,
} from './errors';
export { compileFilter, type CompiledFilter } from './compile';
export { explainCapabilities, type CapabilityNote, type FilterCapabilities } from './capabilities';
export { explainFilter, formatExplain, type ExplainNode, type ExplainResult } from './explain';
export type * from './trace';
export { traceInputSchema, traceFromInput } from './trace';
export {
  traceFromSummary,
  type TraceSummaryLike,
  type SummaryRootCause,
  type SummaryServiceId,
} from './trace-from-summary';
export {
  parseRuleTestSuite,
  ruleTestFileSchema,
  runRuleTests,
  type Actual,
  type Expectation,
  type RuleTestCase,
  type RuleTestFile,
  type RuleTestReport,
  type RuleTestSuite,
  type RuleTestTrace,
  type RuleUnderTest,
} from './rule-tests';
export { formatFailure, formatRuleTestReport, formatSummary } from './report';
