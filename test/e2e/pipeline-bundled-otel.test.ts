/**
 * See ./pipeline-spec.ts; every function (shop, notifier, digest) runs from the bundle the stacks
 * deploy for the otel backend: credentials from the environment only, the other backend left
 * out. test/shop/bundle.test.ts checks what those bundles leave out.
 */
import { pipelineSpec } from './pipeline-spec';

pipelineSpec('otel', { bundled: true });
