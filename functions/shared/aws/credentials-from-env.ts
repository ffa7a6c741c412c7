/**
 * What Lambda bundles use in place of `@aws-sdk/credential-provider-node` (an esbuild alias in
 * infra/constructs/bundling.ts): the default chain's first link only. Lambda puts the
 * function role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN) before the handler loads, so the chain's other providers (SSO, ini files,
 * `credential_process`, web identity, container and instance metadata) never answer there; left
 * in, they are about a fifth of a cart bundle and parse on every cold start.
 *
 * Same name and signature as the package's export, which every client's runtime config imports.
 * Missing variables fail as the chain would after its last link: a CredentialsProviderError on
 * the first call, naming the variables.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);
