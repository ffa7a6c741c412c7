/**
 * The tracing port every handler (and any wrapper or middleware built on it) sees. Two backends
 * implement it, chosen per deployment by `TRACING_BACKEND` (functions/shared/tracing.ts):
 *
 * | member            | X-Ray SDK backend (`xray`, default)               | OpenTelemetry backend (`otel`)                          |
 * |-------------------|---------------------------------------------------|---------------------------------------------------------|
 * | `enabled`         | true in Lambda with tracing on                    | same                                                    |
 * | `withAnnotations` | one subsegment, named `name`, under Lambda's      | one INTERNAL span, child of Lambda's function segment   |
 * |                   | function segment; DynamoDB calls nested inside it | (`_X_AMZN_TRACE_ID`); client spans are its children     |
 * | `annotate(k, v)`  | subsegment annotation                             | span attribute, key listed in `aws.xray.annotations`    |
 * | `annotate.user`   | subsegment metadata `enduser.id` (only segments   | span attribute `enduser.id` (OTel semantic conventions) |
 * |                   | have X-Ray's `user`, and Lambda's is immutable)   |                                                         |
 * | on throw          | exception on the subsegment, `fault: true`        | exception event, status ERROR (→ `fault: true`)         |
 * | `captureClient`   | the SDK's v3 middleware: one subsegment per call  | one CLIENT span per call (rpc.* and aws.* attributes)   |
 * | delivery          | one UDP datagram per request, when it closes      | one OTLP/HTTP export per request, awaited before the    |
 * |                   |                                                   | invocation returns (Lambda freezes after that)          |
 *
 * The guarantee both keep (tested against each in test/shop/): annotations set before a throw
 * are recorded and delivered, the exception is recorded, and the error is rethrown so the
 * invocation stays a fault. That is what lets an X-Ray group match the users hit by a fault.
 */

/** X-Ray annotation values: what a filter expression can compare. */
export type AnnotationValue = string | number | boolean;

/** Records facts about the request on the span `withAnnotations` opened. */
export interface Annotate {
  /**
   * One searchable annotation. Keys: letters, digits and `_` (X-Ray's rule; other characters
   * are replaced by `_` on the way in). Later values for a key replace earlier ones.
   */
  (key: string, value: AnnotationValue): void;
  /**
   * The verified caller (never a claim from an unverified token). Not an annotation: OTel's
   * `enduser.id` attribute, stored by X-Ray as metadata of this span. Annotate `username` as
   * well when filter expressions must see it.
   */
  user(id: string): void;
}

/** Structural shape of an AWS SDK v3 client, enough to add a tracing middleware to it. */
export interface AwsV3Client {
  middlewareStack: { use: unknown; remove: unknown };
  config: unknown;
}

export interface Tracing {
  /** True when spans are recorded and sent (Lambda with tracing on); false: everything is a no-op. */
  readonly enabled: boolean;
  /**
   * Runs `fn` inside a span called `name` (Lambda's own segment is immutable, so annotations
   * live on a span of the function's). The span closes in `finally`: when `fn` throws, the
   * annotations set so far and the exception are still recorded and delivered, and the error is
   * rethrown unchanged. Resolves or rejects only after the span has been handed off (sent).
   */
  withAnnotations<T>(name: string, fn: (annotate: Annotate) => Promise<T>): Promise<T>;
  /**
   * Makes each call of `client` a span of its own (service, operation, HTTP status,
   * fault/error/throttle, request id), nested under whatever span is open. Returns the same
   * client. A call made outside any span is delivered when it completes.
   */
  captureClient<C extends AwsV3Client>(client: C): C;
}

/** Where a backend's own warnings go, so they reach the structured log with the trace id. */
export interface TracingLog {
  warn(message: string): void;
  error(message: string): void;
}

/** The backends, as `TRACING_BACKEND` names them. */
export type TracingBackend = 'xray' | 'otel';
