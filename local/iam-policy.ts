/**
 * The part of IAM the stand-ins need: who a caller is (a principal with its identity policies)
 * and whether one request is allowed, evaluated as IAM does for a single account and across
 * accounts (IAM User Guide, "Policy evaluation logic"; cited in docs/security.md):
 *
 * | any applicable explicit Deny (identity or resource policy) | refused, "with an explicit deny in a … policy" |
 * | same account, identity policy OR resource policy allows     | allowed                                         |
 * | other account, identity policy AND resource policy allow    | allowed                                         |
 * | otherwise                                                   | refused, "because no … policy allows the … action" |
 *
 * Modelled: `Effect`, `Principal` (`*`, account ids and root ARNs, user and role ARNs, a role
 * ARN also matching its sessions), `Action` and `Resource` with `*`/`?` wildcards, and the
 * condition operators String/Arn Equals/NotEquals/Like/NotLike on `aws:PrincipalArn` and
 * `aws:PrincipalAccount`. Anything else in a policy throws: a stand-in that silently ignored a
 * condition would allow what AWS refuses. Not modelled: SCPs, permission boundaries, session
 * policies, `NotAction`/`NotResource`/`NotPrincipal`.
 */
import type { PolicyDocumentJson, PolicyStatementJson } from '../rules/test-alert-access';

export interface LocalPrincipal {
  /** How IAM names the caller in errors: a user ARN, or an assumed-role session ARN. */
  arn: string;
  /** `aws:PrincipalArn`: the user ARN, or the role ARN for every session of the role. */
  principalArn: string;
  account: string;
  /** Identity-based policies of the user or role. */
  policies: readonly PolicyDocumentJson[];
}

export function userPrincipal(
  account: string,
  userName: string,
  policies: readonly PolicyDocumentJson[],
): LocalPrincipal {
  const arn = `arn:aws:iam::${account}:user/${userName}`;
  return { arn, principalArn: arn, account, policies };
}

export function roleSessionPrincipal(
  account: string,
  roleName: string,
  sessionName: string,
  policies: readonly PolicyDocumentJson[],
): LocalPrincipal {
  return {
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    principalArn: `arn:aws:iam::${account}:role/${roleName}`,
    account,
    policies,
  };
}

export interface AuthorizationRequest {
  principal: LocalPrincipal;
  action: string;
  resource: string;
  /** The account that owns the resource. */
  resourceAccount: string;
  resourcePolicy: PolicyDocumentJson | undefined;
}

export type AuthorizationDecision = { allowed: true } | { allowed: false; message: string };

export function authorize(request: AuthorizationRequest): AuthorizationDecision {
  const { principal, action, resource } = request;
  const identity = principal.policies.flatMap((p) => p.Statement);
  const resourceBased = request.resourcePolicy?.Statement ?? [];
  const applies = (statement: PolicyStatementJson, checkPrincipal: boolean) =>
    (!checkPrincipal || principalMatches(statement.Principal, principal)) &&
    list(statement.Action).some((a) => wildcard(a, action, true)) &&
    list(statement.Resource).some((r) => wildcard(r, resource, false)) &&
    conditionsHold(statement.Condition, principal);

  const refused = (why: string): AuthorizationDecision => ({
    allowed: false,
    message: `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`,
  });
  if (resourceBased.some((s) => s.Effect === 'Deny' && applies(s, true))) {
    return refused('with an explicit deny in a resource-based policy');
  }
  if (identity.some((s) => s.Effect === 'Deny' && applies(s, false))) {
    return refused('with an explicit deny in an identity-based policy');
  }
  const byIdentity = identity.some((s) => s.Effect === 'Allow' && applies(s, false));
  const byResource = resourceBased.some((s) => s.Effect === 'Allow' && applies(s, true));
  if (principal.account === request.resourceAccount) {
    return byIdentity || byResource
      ? { allowed: true }
      : refused(`because no identity-based policy allows the ${action} action`);
  }
  if (!byIdentity) return refused(`because no identity-based policy allows the ${action} action`);
  return byResource
    ? { allowed: true }
    : refused(`because no resource-based policy allows the ${action} action`);
}

function list(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

function principalMatches(spec: PolicyStatementJson['Principal'], principal: LocalPrincipal): boolean {
  if (spec === undefined) throw new Error('a resource policy statement needs a Principal');
  if (spec === '*') return true;
  return list(spec.AWS).some((p) => {
    if (p === '*') return true;
    const root = /^(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::root)?$/.exec(p);
    if (root) return root[1] === principal.account;
    return p === principal.principalArn || p === principal.arn;
  });
}

/** IAM's `*` (any run) and `?` (any one character); actions are case-insensitive, ARNs are not. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

const CONDITION_KEYS: Record<string, (p: LocalPrincipal) => string> = {
  'aws:principalarn': (p) => p.principalArn,
  'aws:principalaccount': (p) => p.account,
};

function conditionsHold(conditions: PolicyStatementJson['Condition'], principal: LocalPrincipal): boolean {
  if (conditions === undefined) return true;
  return Object.entries(conditions).every(([operator, entries]) =>
    Object.entries(entries).every(([key, expected]) => {
      const read = CONDITION_KEYS[key.toLowerCase()];
      if (!read) throw new Error(`the local IAM model cannot evaluate condition key ${key}`);
      return conditionHolds(operator, read(principal), list(expected));
    }),
  );
}

function conditionHolds(operator: string, actual: string, expected: string[]): boolean {
  const match = /^(String|Arn)(Not)?(Equals|Like)$/.exec(operator);
  if (!match) throw new Error(`the local IAM model cannot evaluate condition operator ${operator}`);
  const [, type, not, kind] = match;
  // IAM's Arn operators all accept wildcards (ArnEquals behaves as ArnLike); StringEquals does not.
  const patterned = type === 'Arn' || kind === 'Like';
  const any = expected.some((e) => (patterned ? wildcard(e, actual, false) : e === actual));
  return not ? !any : any;
}
