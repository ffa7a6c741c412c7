/** The public Lambda helper on the X-Ray SDK backend (TRACING_BACKEND unset), to a local UDP daemon. */
import { afterAll, beforeAll } from 'vitest';
import { startLocalIdentity, type LocalIdentity } from '../../local/identity';
import type * as Lambda from '../../package/lambda';
import { startTestDaemon, type TestDaemon } from '../shop/xray-daemon';
import { helperSpec } from './helper-spec';

let daemon: TestDaemon;
let idp: LocalIdentity;
let helper: typeof Lambda;

beforeAll(async () => {
  [daemon, idp] = await Promise.all([startTestDaemon(), startLocalIdentity()]);
  Object.assign(process.env, idp.env, {
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_FUNCTION_NAME: 'orders',
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  helper = await import('../../package/lambda');
});
afterAll(async () => {
  await Promise.all([daemon?.close(), idp?.close()]);
});

helperSpec('X-Ray SDK backend', () => ({
  idp,
  helper,
  annotationsOf: (root) => daemon.waitFor(root, 'annotations'),
}));
