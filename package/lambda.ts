/**
 * `user-impact-alerting/lambda`: annotate every invocation of a Node.js handler with the verified
 * caller (`username`) and other annotations, closed in `finally` so a throwing handler keeps them.
 * A plain wrapper, Middy middleware, and the Powertools Tracer as a tracing backend
 * (README "Add it to your app"; functions/shared/user-annotations.ts).
 */
export {
  DEFAULT_SPAN_NAME,
  annotateInvocation,
  annotationSetup,
  cognitoVerifier,
  verifierFromEnv,
  withUserAnnotations,
  type AnnotatedHandler,
  type AnnotationSetup,
  type Invocation,
  type UserAnnotationsOptions,
} from '../functions/shared/user-annotations';
export {
  userAnnotations,
  type MiddyRequest,
  type UserAnnotatedContext,
  type UserAnnotationsMiddleware,
} from '../functions/shared/user-annotations-middy';
export {
  tracingFromPowertools,
  type PowertoolsSubsegment,
  type PowertoolsTracerLike,
} from '../functions/shared/tracing-powertools';
export {
  ANONYMOUS,
  createCognitoVerifier,
  createOidcVerifier,
  type Identity,
  type OidcVerifierOptions,
  type RejectionReason,
  type TokenVerifier,
  type VerifiedUser,
} from '../functions/shared/identity';
export type { IdentityConfig } from '../functions/shared/config';
export {
  createMemoryTracing,
  noTracing,
  tracingFromEnv,
  type Annotate,
  type AnnotationValue,
  type AwsV3Client,
  type RecordedSpan,
  type Tracing,
  type TracingBackend,
} from '../functions/shared/tracing';
export { ConfigError, DependencyError } from '../functions/shared/errors';
