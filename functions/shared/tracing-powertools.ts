/**
 * The tracing port on a Powertools Tracer (`@aws-lambda-powertools/tracer`, an optional peer:
 * nothing is imported from it, the tracer is used through the shape below). For handlers that
 * already trace with Powertools (`tracer.captureLambdaHandler()`): the annotations span becomes
 * a subsegment of the tracer's own (under its `## handler` subsegment), and captured clients are
 * the tracer's, so one X-Ray SDK instance records everything.
 *
 * Same closing rules as the port's other backends: annotations set before a throw are kept, the
 * exception is added to the subsegment, the error is rethrown, the subsegment is closed in
 * `finally`. With tracing off in the tracer (outside Lambda, `POWERTOOLS_TRACE_ENABLED=false`)
 * the work runs and nothing is recorded.
 */
import { ignoreAnnotations } from './tracing';
import type { Annotate, AnnotationValue, AwsV3Client, Tracing } from './types/tracing';

/** The subsegment calls used (Powertools hands out the X-Ray SDK's Subsegment). */
export interface PowertoolsSubsegment {
  addAnnotation(key: string, value: AnnotationValue): void;
  addMetadata(key: string, value: unknown): void;
  addError(error: Error | string): void;
  close(): void;
}

/** The Tracer calls used. */
export interface PowertoolsTracerLike {
  isTracingEnabled(): boolean;
  captureAWSv3Client<T>(client: T): T;
  provider: {
    /** Typed `unknown` by Powertools; it returns what `fn` returns (here always a promise). */
    captureAsyncFunc(name: string, fn: (subsegment?: PowertoolsSubsegment) => unknown): unknown;
  };
}

export function tracingFromPowertools(tracer: PowertoolsTracerLike): Tracing {
  const enabled = tracer.isTracingEnabled();
  return {
    enabled,
    withAnnotations(name, fn) {
      if (!enabled) return fn(ignoreAnnotations);
      return tracer.provider.captureAsyncFunc(name, async (subsegment?: PowertoolsSubsegment) => {
        if (!subsegment) return fn(ignoreAnnotations);
        try {
          return await fn(annotator(subsegment));
        } catch (error) {
          subsegment.addError(error instanceof Error ? error : String(error));
          throw error;
        } finally {
          subsegment.close();
        }
      }) as ReturnType<typeof fn>;
    },
    captureClient: <C extends AwsV3Client>(client: C): C =>
      enabled ? tracer.captureAWSv3Client(client) : client,
  };
}

function annotator(subsegment: PowertoolsSubsegment): Annotate {
  return Object.assign((key: string, value: AnnotationValue) => subsegment.addAnnotation(key, value), {
    // As the X-Ray SDK backend does: Lambda's segment (which has `user`) is immutable.
    user: (id: string) => subsegment.addMetadata('enduser.id', id),
  });
}
