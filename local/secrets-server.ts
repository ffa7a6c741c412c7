/**
 * Secrets Manager stand-in: `GetSecretValue` over AWS JSON 1.1
 * (`X-Amz-Target: secretsmanager.GetSecretValue`), for `@aws-sdk/client-secrets-manager`
 * and Powertools Parameters' `SecretsProvider`, which read the Slack bot token from it.
 * Secrets are found by name or ARN; anything else is `ResourceNotFoundException`.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  awsJsonError,
  awsJsonReply,
  createFaultQueue,
  jsonRpcOperation,
  parseJsonObject,
  startHttpServer,
} from './http-server';
import type { FaultOptions, HttpReply, HttpRequest } from './http-server';

const NOT_FOUND = "Secrets Manager can't find the specified secret.";
const NOT_FOUND_VALUE = "Secrets Manager can't find the specified secret value";

interface Secret {
  name: string;
  arn: string;
  value: string;
  versionId: string;
  createdAt: Date;
}

export interface SecretsServerOptions {
  /** Secret name → SecretString. */
  secrets?: Record<string, string>;
  region?: string;
  account?: string;
}

export interface SecretsFault {
  type: string;
  status: number;
  message?: string;
}

export interface SecretsServer {
  url: string;
  close(): Promise<void>;
  /** Creates or rotates a secret (a new VersionId each time); returns its ARN. */
  setSecret(name: string, value: string): string;
  /** SecretIds asked for, in order (to check caching). */
  reads(): string[];
  failNext(fault: SecretsFault, options?: FaultOptions<{ operation: string }>): void;
}

export async function startSecretsServer(options: SecretsServerOptions = {}): Promise<SecretsServer> {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const secrets = new Map<string, Secret>();
  const reads: string[] = [];
  const faults = createFaultQueue<SecretsFault, { operation: string }>();

  function setSecret(name: string, value: string): string {
    // Real ARNs end in "-" plus six random characters; derive them so an ARN stays stable.
    const suffix = createHash('sha256').update(name).digest('base64url').replace(/[-_]/g, 'x').slice(0, 6);
    const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix}`;
    secrets.set(name, { name, arn, value, versionId: randomUUID(), createdAt: new Date() });
    return arn;
  }
  for (const [name, value] of Object.entries(options.secrets ?? {})) setSecret(name, value);

  function find(id: string): Secret | undefined {
    return secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id);
  }

  function handle(request: HttpRequest): HttpReply {
    const operation = jsonRpcOperation(request, 'secretsmanager');
    const fault = faults.take({ operation: operation ?? '' });
    if (fault) return awsJsonError(fault.status, fault.type, fault.message ?? fault.type);
    if (operation !== 'GetSecretValue') {
      return awsJsonError(
        400,
        'UnknownOperationException',
        `Operation ${operation ?? '(none)'} is not supported`,
      );
    }
    const body = parseJsonObject(request.body);
    const id = body?.SecretId;
    if (typeof id !== 'string' || id === '') {
      return awsJsonError(400, 'InvalidParameterException', 'You must provide a SecretId.');
    }
    reads.push(id);
    const secret = find(id);
    if (!secret) return awsJsonError(400, 'ResourceNotFoundException', NOT_FOUND);
    const stage = body?.VersionStage;
    const version = body?.VersionId;
    if (stage !== undefined && stage !== 'AWSCURRENT') {
      return awsJsonError(
        400,
        'ResourceNotFoundException',
        `${NOT_FOUND_VALUE} for staging label: ${String(stage)}`,
      );
    }
    if (version !== undefined && version !== secret.versionId) {
      return awsJsonError(
        400,
        'ResourceNotFoundException',
        `${NOT_FOUND_VALUE} for VersionId: ${String(version)}`,
      );
    }
    return awsJsonReply({
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.createdAt.getTime() / 1000,
    });
  }

  const server = await startHttpServer(handle);
  return {
    url: server.url,
    close: server.close,
    setSecret,
    reads: () => [...reads],
    failNext: (fault, faultOptions) => faults.add(fault, faultOptions),
  };
}
