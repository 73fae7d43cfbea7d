import { randomUUID } from 'node:crypto';
import { optionChecks } from '@rotakit/core';
import type { EmulatorProtocol, EmulatorRequest, EmulatorResponse } from '../http.js';
import { AwsEmulatorBase, checkEmulatorOptions, type AwsEmulatorIdentity } from './base.js';
import { querySignatureError } from './sigv4.js';

/** One statement of an identity policy, as IAM's JSON policy language writes it (Effect, Action, Resource). */
export interface IamPolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  /** Actions (`service:Name`), with `*` and `?` wildcards, matched without regard to case. */
  readonly Action: string | readonly string[];
  /** Resource ARNs, with `*` and `?` wildcards, matched with regard to case. */
  readonly Resource: string | readonly string[];
}

/** An identity policy document. */
export interface IamPolicyDocument {
  readonly Version?: string;
  readonly Statement: IamPolicyStatement | readonly IamPolicyStatement[];
}

/** IAM's answer for one action on one resource: `allowed`, `explicitDeny` or `implicitDeny`. */
export type IamEvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** Options of {@link startAwsIamEmulator}. */
export interface AwsIamEmulatorOptions extends AwsEmulatorIdentity {
  port?: number;
  host?: string;
}

const NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** The operations the IAM emulator answers. */
export const IAM_OPERATIONS = ['SimulatePrincipalPolicy'] as const;

class IamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface Principal {
  readonly arn: string;
  readonly policies: Map<string, IamPolicyDocument>;
}

/**
 * A local AWS IAM speaking the awsQuery protocol (form-encoded POST, XML answers) to the unmodified
 * `@aws-sdk/client-iam`: `SimulatePrincipalPolicy` over the identity policies tests attach to a
 * role or user. Evaluation is IAM's for identity policies: an explicit Deny wins over an Allow, and
 * an action no statement allows is an implicit deny; actions and resources match with `*` and `?`.
 * Conditions, permission boundaries, SCPs and resource policies are not modelled.
 */
export class AwsIamEmulator extends AwsEmulatorBase {
  readonly #principals = new Map<string, Principal>();

  /** Use `startAwsIamEmulator`; the constructor does not listen. */
  constructor(options: Omit<AwsIamEmulatorOptions, 'port' | 'host'> = {}) {
    checkEmulatorOptions(options, 'the AWS IAM emulator');
    super(options, { service: 'iam', wording: 'query' });
  }

  /** The ARN role `name` has in this emulator's account. */
  roleArn(name: string): string {
    return `arn:aws:iam::${this.accountId}:role/${name}`;
  }

  /** Creates role `name` (if new) with no policy; returns its ARN. */
  createRole(name: string): string {
    const arn = this.roleArn(name);
    if (!this.#principals.has(arn)) this.#principals.set(arn, { arn, policies: new Map() });
    return arn;
  }

  /**
   * Attaches (or replaces) the inline policy `policyName` on a principal (a role or user ARN; a
   * role is created when missing).
   */
  putPolicy(principalArn: string, policyName: string, document: IamPolicyDocument): void {
    const check = optionChecks('the AWS IAM emulator');
    const statements = statementsOf(document);
    for (const [index, statement] of statements.entries()) {
      if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw check.invalid(`Statement[${index}].Effect`, 'must be Allow or Deny');
    }
    let principal = this.#principals.get(principalArn);
    if (principal === undefined) {
      principal = { arn: principalArn, policies: new Map() };
      this.#principals.set(principalArn, principal);
    }
    principal.policies.set(policyName, structuredClone(document) as IamPolicyDocument);
  }

  /** What SimulatePrincipalPolicy decides for one action on one resource. */
  decide(principalArn: string, action: string, resource: string): IamEvalDecision {
    const principal = this.#principals.get(principalArn);
    if (principal === undefined) throw new IamError('NoSuchEntity', `The principal ${principalArn} cannot be found.`, 404);
    let allowed = false;
    for (const document of principal.policies.values()) {
      for (const statement of statementsOf(document)) {
        if (!listOf(statement.Action).some((pattern) => wildcard(pattern, true).test(action))) continue;
        if (!listOf(statement.Resource).some((pattern) => wildcard(pattern, false).test(resource))) continue;
        if (statement.Effect === 'Deny') return 'explicitDeny';
        allowed = true;
      }
    }
    return allowed ? 'allowed' : 'implicitDeny';
  }

  protected protocol(): EmulatorProtocol {
    return {
      operationOf: (request: EmulatorRequest) => new URLSearchParams(request.body).get('Action') ?? undefined,
      handle: async (request: EmulatorRequest, operation: string | undefined) => {
        const refused = await this.authenticate(request);
        if (refused) {
          const { code, status } = querySignatureError(refused.kind);
          return errorXml(new IamError(code, refused.message, status));
        }
        try {
          const params = new URLSearchParams(request.body);
          switch (operation) {
            case 'SimulatePrincipalPolicy':
              return answer(operation, this.#simulate(params));
            default:
              throw new IamError('InvalidAction', `Could not find operation ${operation ?? '(none)'} for version 2010-05-08`, 400);
          }
        } catch (error) {
          if (error instanceof IamError) return errorXml(error);
          throw error;
        }
      },
      throttleResponse: () => errorXml(new IamError('Throttling', 'Rate exceeded', 400)),
      errorResponse: () => errorXml(new IamError('ServiceFailure', 'An internal error has occurred.', 500)),
      snapshot: () =>
        [...this.#principals.values()].map(({ arn, policies }) => ({ arn, policies: Object.fromEntries(policies) })),
    };
  }

  #simulate(params: URLSearchParams): string {
    const principal = params.get('PolicySourceArn');
    if (principal === null || principal === '') throw new IamError('InvalidInput', 'PolicySourceArn is required.', 400);
    const actions = members(params, 'ActionNames');
    if (actions.length === 0) throw new IamError('InvalidInput', 'ActionNames must name at least one action.', 400);
    const resources = members(params, 'ResourceArns');
    const results: string[] = [];
    for (const action of actions) {
      for (const resource of resources.length === 0 ? ['*'] : resources) {
        const decision = this.decide(principal, action, resource);
        results.push(
          `<member><EvalActionName>${escapeXml(action)}</EvalActionName><EvalResourceName>${escapeXml(resource)}</EvalResourceName>` +
            `<EvalDecision>${decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>`,
        );
      }
    }
    return `<IsTruncated>false</IsTruncated><EvaluationResults>${results.join('')}</EvaluationResults>`;
  }
}

/** Starts an IAM emulator; give its `url` to `IAMClient` as `endpoint` (or `AWS_ENDPOINT_URL_IAM`). */
export async function startAwsIamEmulator(options: AwsIamEmulatorOptions = {}): Promise<AwsIamEmulator> {
  const { port, host, ...rest } = options;
  const emulator = new AwsIamEmulator(rest);
  await emulator.listen(port, host);
  return emulator;
}

function statementsOf(document: IamPolicyDocument): readonly IamPolicyStatement[] {
  const check = optionChecks('the AWS IAM emulator');
  const record = check.record(document, 'document');
  const statement = record['Statement'];
  if (statement === undefined || statement === null) throw check.invalid('Statement', 'is required');
  return (Array.isArray(statement) ? statement : [statement]) as readonly IamPolicyStatement[];
}

function listOf(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

/** IAM's wildcards: `*` any run of characters, `?` one character; actions match without case. */
function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
}

/** The awsQuery list `Name.member.1`, `Name.member.2`, … in order. */
function members(params: URLSearchParams, name: string): string[] {
  const found: string[] = [];
  for (let index = 1; params.has(`${name}.member.${index}`); index += 1) found.push(params.get(`${name}.member.${index}`) ?? '');
  return found;
}

function answer(operation: string, result: string): EmulatorResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body:
      `<${operation}Response xmlns="${NAMESPACE}"><${operation}Result>${result}</${operation}Result>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${operation}Response>`,
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorXml(error: IamError): EmulatorResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml' },
    body:
      `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}
