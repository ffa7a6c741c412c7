import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CART_TABLE_KEYS } from '../functions/cart/cart-store';
import { addNagPacks } from './nag';
import { DEFAULT_API_THROTTLE, SHOP_FUNCTIONS, ShopStack, type ShopStackProps } from './shop-stack';

const env = { account: '123456789012', region: 'us-east-1' };

/** Asset bundling skipped: these tests are about the template (the nag test below bundles). */
function synth(props: Omit<ShopStackProps, 'env'> = {}): { stack: ShopStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ShopStack(app, 'Shop', { env, ...props });
  return { stack, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
type Resource = { Type: string; Properties: Record<string, unknown> };

/** Every action each function's role may perform, from all policies attached to that role. */
function actionsByFunction(stack: ShopStack, template: Template): Map<string, string[]> {
  const resources = template.toJSON()['Resources'] as Record<string, Resource>;
  const result = new Map<string, string[]>();
  for (const [id, fn] of stack.functions) {
    const roleId = stack.getLogicalId(fn.role!.node.defaultChild as never);
    const actions = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => JSON.stringify(r.Properties['Roles']).includes(`"${roleId}"`))
      .flatMap((r) => (r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement)
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    const role = resources[roleId];
    expect(role?.Properties['ManagedPolicyArns'], `${id} has no managed policies`).toBeUndefined();
    result.set(id, actions.sort());
  }
  return result;
}

describe('ShopStack', () => {
  let stack: ShopStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synth({ allowedOrigin: 'https://shop.example' }));
  });

  it('runs one traced, arm64, Node 24 function per route', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(SHOP_FUNCTIONS.length);
    for (const fn of Object.values(functions) as Resource[]) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
    }
  });

  it('exposes a REST API (X-Ray cannot trace HTTP APIs) with tracing and access logs on its stage', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: Match.arrayWith([Match.objectLike({ LoggingLevel: 'ERROR', HttpMethod: '*' })]),
    });
  });

  it('throttles the stage below the account-wide default', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: DEFAULT_API_THROTTLE.rateLimit,
          ThrottlingBurstLimit: DEFAULT_API_THROTTLE.burstLimit,
        }),
      ]),
    });
    const custom = synth({ throttle: { rateLimit: 5, burstLimit: 10 } }).template;
    custom.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }),
      ]),
    });
  });

  it('lets the storefront client sign in with SRP and refresh, and nothing else: no OAuth flow, callback or scope', () => {
    const clients = Object.values(template.findResources('AWS::Cognito::UserPoolClient')) as Resource[];
    expect(clients).toHaveLength(1);
    const props = clients[0]!.Properties;
    expect(props['ExplicitAuthFlows']).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
    for (const absent of ['AllowedOAuthFlows', 'AllowedOAuthScopes', 'CallbackURLs', 'LogoutURLs']) {
      expect(props[absent], absent).toBeUndefined();
    }
    expect(props['AllowedOAuthFlowsUserPoolClient']).not.toBe(true);
    expect(props['GenerateSecret']).toBe(false);
    expect(props['PreventUserExistenceErrors']).toBe('ENABLED');
    expect(props['EnableTokenRevocation']).toBe(true);
  });

  it('lets each function perform exactly its handler’s table actions, never dynamodb:*', () => {
    const actions = actionsByFunction(stack, template);
    for (const spec of SHOP_FUNCTIONS) {
      const dynamo = (actions.get(spec.id) ?? []).filter((a) => a.startsWith('dynamodb:'));
      expect(dynamo, spec.id).toEqual([...spec.tableActions].sort());
    }
    expect(actions.get('ListCart')?.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:Query']);
    expect(actions.get('ListProducts')?.some((a) => a.startsWith('dynamodb:'))).toBe(false);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/"dynamodb:\*"/);
  });

  it('scopes table statements to the cart table and log writes to each function’s own log group', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
    const statements = policies.flatMap(
      (p) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement,
    );
    const tableId = stack.getLogicalId(stack.table.node.defaultChild as never);
    for (const statement of statements) {
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      if (actions.some((a) => a.startsWith('dynamodb:'))) {
        expect(JSON.stringify(statement.Resource)).toContain(tableId);
        expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
      }
      if (actions.some((a) => a.startsWith('logs:'))) expect(statement.Resource).not.toBe('*');
    }
  });

  it('keeps the cart table recoverable and encrypted, keyed as the handlers expect', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: CART_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: CART_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expirationTime', Enabled: true },
    });
  });

  it('puts checkout and migrate behind the Cognito authorizer and leaves the rest anonymous', () => {
    // CORS preflight (OPTIONS) methods are API Gateway mocks, not routes.
    const methods = (Object.values(template.findResources('AWS::ApiGateway::Method')) as Resource[]).filter(
      (m) => m.Properties['HttpMethod'] !== 'OPTIONS',
    );
    expect(methods).toHaveLength(SHOP_FUNCTIONS.length);
    const byAuth = (type: string) => methods.filter((m) => m.Properties['AuthorizationType'] === type).length;
    const signedIn = SHOP_FUNCTIONS.filter((f) => f.signedInOnly).length;
    expect(byAuth('COGNITO_USER_POOLS')).toBe(signedIn);
    expect(byAuth('NONE')).toBe(SHOP_FUNCTIONS.length - signedIn);
  });

  it('wires each cart function to the table and the user pool through validated env', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: Match.anyValue(),
          USER_POOL_ID: Match.anyValue(),
          USER_POOL_CLIENT_ID: Match.anyValue(),
          ALLOWED_ORIGIN: 'https://shop.example',
          POWERTOOLS_SERVICE_NAME: 'shop',
        }),
      },
    });
  });
});

describe('ShopStack under cdk-nag', () => {
  // Bundles all seven functions with esbuild: slow on a busy machine, hence the longer timeout.
  it(
    'passes AwsSolutions and Serverless with every acknowledgement reasoned (synth throws on any finding)',
    { timeout: 120_000 },
    () => {
      const app = new App();
      addNagPacks(app);
      const stack = new ShopStack(app, 'ShopNag', { env });
      expect(() => app.synth()).not.toThrow();
      const acknowledged = stack.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.values(m.data as Record<string, string>));
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(acknowledged.every((reason) => typeof reason === 'string' && reason.length > 20)).toBe(true);
    },
  );

  it('fails synth when a finding is not acknowledged (the check is live)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    addNagPacks(app);
    const stack = new ShopStack(app, 'ShopUnacked', { env });
    stack.table.grant(stack.functions.get('ListCart')!, 'dynamodb:*');
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
  });
});

describe('ShopStack tracing backend (one prop, or `-c tracing=…`)', () => {
  const variables = (template: Template) =>
    (Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]).map(
      (fn) => (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables,
    );
  const xrayActions = (stack: ShopStack, template: Template) =>
    [...actionsByFunction(stack, template).values()].map((actions) =>
      actions.filter((a) => a.startsWith('xray:')),
    );

  it('defaults to the X-Ray SDK: TRACING_BACKEND=xray, no OTLP endpoint, no span permissions', () => {
    const { stack, template } = synth();
    expect(stack.tracing).toBe('xray');
    for (const vars of variables(template)) {
      expect(vars['TRACING_BACKEND']).toBe('xray');
      expect(vars).not.toHaveProperty('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    }
    for (const actions of xrayActions(stack, template))
      expect(actions).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('otel: every function exports to the regional X-Ray OTLP endpoint, allowed exactly PutSpans*', () => {
    const { stack, template } = synth({ tracing: 'otel' });
    for (const vars of variables(template)) {
      expect(vars['TRACING_BACKEND']).toBe('otel');
      expect(JSON.stringify(stack.resolve(vars['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']))).toMatch(
        /https:\/\/xray\.us-east-1\..*\/v1\/traces/,
      );
    }
    for (const actions of xrayActions(stack, template)) {
      expect(actions).toEqual([
        'xray:PutSpans',
        'xray:PutSpansForIndexing',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    }
    // Lambda still records its own segments (the spans' parent) with active tracing.
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Resource[])
      expect(fn.Properties['TracingConfig']).toEqual({ Mode: 'Active' });
  });

  it('takes the choice from the `tracing` context and refuses anything else at synth', () => {
    const stack = new ShopStack(
      new App({ context: { 'aws:cdk:bundling-stacks': [], tracing: 'otel' } }),
      'Ctx',
      {
        env,
      },
    );
    expect(stack.tracing).toBe('otel');
    expect(
      () =>
        new ShopStack(new App({ context: { 'aws:cdk:bundling-stacks': [], tracing: 'zipkin' } }), 'Bad', {
          env,
        }),
    ).toThrow(/context "tracing" must be one of xray, otel, not "zipkin"/);
  });

  it('passes both cdk-nag packs with the OpenTelemetry wiring', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    addNagPacks(app);
    new ShopStack(app, 'ShopNagOtel', { env, tracing: 'otel' });
    expect(() => app.synth()).not.toThrow();
  });
});
