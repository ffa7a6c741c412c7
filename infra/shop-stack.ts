/**
 * The traced shop: the traffic source the alerting watches. A REST API (HTTP APIs cannot be traced
 * by X-Ray) with tracing and access logs on, a Cognito user pool for sign-in, the cart table, and
 * one Lambda per route, each allowed exactly the table actions its handler performs.
 *
 * Cart routes accept anonymous callers on purpose (the shop works before sign-in); the handlers
 * verify any token themselves. Checkout and migrate also sit behind a Cognito authorizer.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { TRACING_BACKENDS, type TracingBackend } from '../functions/shared/tracing';
import { LAMBDA_RUNTIME, bundlingOptions, esbuildOptions, type BundleChoice } from './constructs/bundling';
import { acknowledgeNag } from './nag';

export type CartTableAction =
  'dynamodb:Query' | 'dynamodb:UpdateItem' | 'dynamodb:PutItem' | 'dynamodb:DeleteItem';

export interface ShopFunctionSpec {
  /** Construct id and the name the function is known by in the bench. */
  id: string;
  /** Entry file under functions/cart/entry/. */
  entry: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** Exactly the calls the handler makes (see functions/cart/cart-store.ts). */
  tableActions: readonly CartTableAction[];
  /** Behind the Cognito authorizer (the handler checks again). */
  signedInOnly: boolean;
}

export const SHOP_FUNCTIONS: readonly ShopFunctionSpec[] = [
  {
    id: 'ListProducts',
    entry: 'list-products',
    method: 'GET',
    path: '/product',
    tableActions: [],
    signedInOnly: false,
  },
  {
    id: 'GetProduct',
    entry: 'get-product',
    method: 'GET',
    path: '/product/{product_id}',
    tableActions: [],
    signedInOnly: false,
  },
  {
    id: 'ListCart',
    entry: 'list-cart',
    method: 'GET',
    path: '/cart',
    tableActions: ['dynamodb:Query'],
    signedInOnly: false,
  },
  {
    id: 'AddToCart',
    entry: 'add-to-cart',
    method: 'POST',
    path: '/cart',
    tableActions: ['dynamodb:UpdateItem'],
    signedInOnly: false,
  },
  {
    id: 'UpdateCart',
    entry: 'update-cart',
    method: 'PUT',
    path: '/cart/{product_id}',
    tableActions: ['dynamodb:PutItem'],
    signedInOnly: false,
  },
  {
    id: 'CheckoutCart',
    entry: 'checkout-cart',
    method: 'POST',
    path: '/cart/checkout',
    tableActions: ['dynamodb:Query', 'dynamodb:DeleteItem'],
    signedInOnly: true,
  },
  {
    id: 'MigrateCart',
    entry: 'migrate-cart',
    method: 'POST',
    path: '/cart/migrate',
    tableActions: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    signedInOnly: true,
  },
];

/**
 * How every shop function is bundled; bench/cart.bench.ts builds with exactly these options.
 * ESM with the AWS SDK bundled: measured (bench/cart.bench.ts) it loads fastest in a fresh
 * process, and the SDK that runs is the one the tests ran against. ESM because the SDK's ES
 * modules tree-shake (CJS bundles the whole dist-cjs). The banner gives bundled CommonJS
 * dependencies (the X-Ray SDK) the `require` they need for Node built-ins.
 */

export function shopEntryPath(entry: string): string {
  return fileURLToPath(new URL(`../functions/cart/entry/${entry}.ts`, import.meta.url));
}

/** The esbuild options of a shop function's bundle, as NodejsFunction builds it. */
export function shopEsbuildOptions(
  entry: string,
  options: BundleChoice & { bundleAwsSdk: boolean },
): BuildOptions {
  return esbuildOptions(shopEntryPath(entry), options);
}

export interface ShopStackProps extends StackProps {
  /** Storefront origin allowed to call the API with credentials. @default none: same-origin only */
  allowedOrigin?: string;
  /** @default 'prod' */
  stageName?: string;
  /** Retention of function and access logs. @default one month */
  logRetention?: logs.RetentionDays;
  /** For the table and user pool. @default RETAIN: carts and accounts outlive a stack */
  removalPolicy?: RemovalPolicy;
  /** Ship the AWS SDK inside each bundle (false: use the runtime's copy). @default true */
  bundleAwsSdk?: boolean;
  /**
   * How the shop functions send their spans: `xray` (X-Ray SDK to Lambda's X-Ray daemon) or
   * `otel` (OpenTelemetry, OTLP/HTTP to X-Ray's OTLP endpoint; needs CloudWatch Transaction
   * Search, see docs/tracing-backends.md). Sets TRACING_BACKEND and what each bundle contains.
   * @default the `tracing` context value (`-c tracing=otel`), else 'xray'
   */
  tracing?: TracingBackend;
  /**
   * Set the account-wide role API Gateway needs to write access logs. Only one stack per account
   * and region should own it. @default true
   */
  apiGatewayCloudWatchRole?: boolean;
  /** Stage-wide request limit. @default {@link DEFAULT_API_THROTTLE} */
  throttle?: ApiThrottle;
}

export interface ApiThrottle {
  /** Steady requests per second across all routes of the stage. */
  rateLimit: number;
  /** Requests the stage accepts at once above the rate (token bucket size). */
  burstLimit: number;
}

/**
 * API Gateway's default is the account's regional limit (10,000 requests/s, burst 5,000), shared
 * by every API in the region: one runaway client of the shop could starve the other APIs, and
 * with `cart-all-requests` sampling every cart request, each request is also an X-Ray trace
 * bought. 100/s (burst 200) is ten times the sample shop's load; raise it with real traffic.
 * Callers over the limit get 429 Too Many Requests from API Gateway, before any Lambda runs.
 */
export const DEFAULT_API_THROTTLE: ApiThrottle = { rateLimit: 100, burstLimit: 200 };

export class ShopStack extends Stack {
  readonly api: apigw.RestApi;
  readonly table: dynamodb.Table;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly functions: ReadonlyMap<string, NodejsFunction>;
  readonly tracing: TracingBackend;

  constructor(scope: Construct, id: string, props: ShopStackProps = {}) {
    super(scope, id, props);
    this.tracing = props.tracing ?? tracingFromContext(this);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.table = new dynamodb.Table(this, 'CartTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expirationTime',
      removalPolicy,
    });

    this.userPool = new cognito.UserPool(this, 'Shoppers', {
      selfSignUpEnabled: true,
      signInAliases: { username: true, email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy,
    });
    acknowledgeNag(
      this.userPool,
      'AwsSolutions',
      'COG2',
      'Shoppers may enable TOTP MFA; requiring it would block anonymous-first checkout.',
    );
    acknowledgeNag(
      this.userPool,
      'AwsSolutions',
      'COG8',
      'Threat protection needs the Plus feature plan; out of scope for the sample shop.',
    );
    // The storefront signs in with SRP and refreshes tokens; it has no hosted UI, so no OAuth flow,
    // callback URL or scope (the CDK default would allow implicit and code grants to example.com
    // with the aws.cognito.signin.user.admin scope, which lets a token edit its own user).
    this.userPoolClient = this.userPool.addClient('Storefront', {
      authFlows: { userSrp: true },
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });

    this.api = this.restApi(props, retention);
    const authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'SignedIn', {
      cognitoUserPools: [this.userPool],
    });
    const validator = this.api.addRequestValidator('Parameters', {
      validateRequestParameters: true,
      validateRequestBody: false,
    });

    const functions = new Map<string, NodejsFunction>();
    for (const spec of SHOP_FUNCTIONS) {
      const fn = this.shopFunction(spec, props, retention);
      functions.set(spec.id, fn);
      if (spec.tableActions.length > 0) this.table.grant(fn, ...spec.tableActions);
      const method = this.api.root
        .resourceForPath(spec.path)
        .addMethod(spec.method, new apigw.LambdaIntegration(fn), {
          requestValidator: validator,
          ...(spec.path.includes('{product_id}') && {
            requestParameters: { 'method.request.path.product_id': true },
          }),
          ...(spec.signedInOnly && { authorizer, authorizationType: apigw.AuthorizationType.COGNITO }),
        });
      if (!spec.signedInOnly) {
        acknowledgeNag(
          method,
          'AwsSolutions',
          'APIG4',
          'Browsing and the cart work before sign-in (cartId cookie); the handler verifies any token itself.',
        );
        acknowledgeNag(method, 'AwsSolutions', 'COG4', 'Anonymous route by design; see AwsSolutions-APIG4.');
      }
    }
    this.functions = functions;

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'CartTableName', { value: this.table.tableName });
  }

  private restApi(props: ShopStackProps, retention: logs.RetentionDays): apigw.RestApi {
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new apigw.RestApi(this, 'ShopApi', {
      description: 'Traced shop (cart and products)',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: props.apiGatewayCloudWatchRole ?? true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        tracingEnabled: true,
        metricsEnabled: true,
        throttlingRateLimit: (props.throttle ?? DEFAULT_API_THROTTLE).rateLimit,
        throttlingBurstLimit: (props.throttle ?? DEFAULT_API_THROTTLE).burstLimit,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
      ...(props.allowedOrigin && {
        defaultCorsPreflightOptions: {
          allowOrigins: [props.allowedOrigin],
          allowCredentials: true,
          allowHeaders: ['Content-Type', 'Authorization'],
          allowMethods: ['OPTIONS', 'GET', 'POST', 'PUT'],
        },
      }),
    });
    if (props.apiGatewayCloudWatchRole ?? true) {
      acknowledgeNag(
        api,
        'AwsSolutions',
        'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        "API Gateway's account logging role uses the AWS-managed push-to-CloudWatch policy by design.",
      );
    }
    acknowledgeNag(
      api,
      'AwsSolutions',
      'APIG3',
      'No WAF in front of the sample shop; add a web ACL before real traffic (stage throttling bounds the load meanwhile).',
    );
    acknowledgeNag(
      api,
      'AwsSolutions',
      'APIG2',
      'Path parameters are validated by API Gateway; bodies by zod in the handler, which returns field-level JSON errors (a body model would duplicate it with vaguer errors).',
    );
    return api;
  }

  private shopFunction(
    spec: ShopFunctionSpec,
    props: ShopStackProps,
    retention: logs.RetentionDays,
  ): NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${spec.id}Logs`, {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: writes to its own log group only.
    const role = new iam.Role(this, `${spec.id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const fn = new NodejsFunction(this, spec.id, {
      entry: shopEntryPath(spec.entry),
      handler: 'handler',
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      memorySize: 512,
      timeout: Duration.seconds(5),
      role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'shop',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        USER_POOL_ID: this.userPool.userPoolId,
        USER_POOL_CLIENT_ID: this.userPoolClient.userPoolClientId,
        TOKEN_USE: 'id',
        ...(spec.tableActions.length > 0 && { TABLE_NAME: this.table.tableName }),
        ...(props.allowedOrigin && { ALLOWED_ORIGIN: props.allowedOrigin }),
        TRACING_BACKEND: this.tracing,
        ...(this.tracing === 'otel' && {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `https://xray.${this.region}.${this.urlSuffix}/v1/traces`,
        }),
      },
      bundling: bundlingOptions({ bundleAwsSdk: props.bundleAwsSdk !== false, tracing: this.tracing }),
    });
    if (this.tracing === 'otel') {
      // X-Ray's OTLP endpoint authorizes PutSpans; PutSpansForIndexing is granted beside it in
      // AWS's own policies for OTLP senders (indexed spans are what groups and
      // GetTraceSummaries read). Neither takes a resource.
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SendSpansToXRayOtlpEndpoint',
          actions: ['xray:PutSpans', 'xray:PutSpansForIndexing'],
          resources: ['*'],
        }),
      );
    }
    // Tracing.ACTIVE grants xray:PutTraceSegments/PutTelemetryRecords (Lambda's own segments go
    // through them in both backends), which take no resource ARN; nor do PutSpans*.
    acknowledgeNag(
      role,
      'AwsSolutions',
      'IAM5[Resource::*]',
      'X-Ray PutTraceSegments, PutTelemetryRecords, PutSpans and PutSpansForIndexing do not support resource-level permissions.',
    );
    acknowledgeNag(
      fn,
      'Serverless',
      'LambdaDLQ',
      'Invoked synchronously by API Gateway: a dead-letter queue only receives asynchronous invocations, and a failed request is already a 5xx fault the alerting sees.',
    );
    return fn;
  }
}

/** The `tracing` context value (`cdk synth -c tracing=otel`), validated at synth. */
function tracingFromContext(scope: Construct): TracingBackend {
  const value: unknown = scope.node.tryGetContext('tracing');
  if (value === undefined || value === '') return 'xray';
  if (typeof value === 'string' && (TRACING_BACKENDS as readonly string[]).includes(value)) {
    return value as TracingBackend;
  }
  throw new Error(
    `context "tracing" must be one of ${TRACING_BACKENDS.join(', ')}, not ${JSON.stringify(value)}`,
  );
}
