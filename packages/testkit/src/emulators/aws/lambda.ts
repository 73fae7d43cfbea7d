import { randomUUID } from 'node:crypto';
import { optionChecks } from '@rotakit/core';
import type { EmulatorProtocol, EmulatorRequest, EmulatorResponse } from '../http.js';
import { AwsEmulatorBase, checkEmulatorOptions, type AwsEmulatorIdentity } from './base.js';
import { jsonSignatureErrorCode } from './sigv4.js';
import type { RotationEvent, RotationFunctionSource } from './rotation.js';
import { lambdaTimeout, LambdaTimeoutError, readTimeoutMs } from './timeout.js';

/** An in-process function: its return value is the invocation's result; throwing is a function error. */
export type LambdaHandler = (event: unknown) => unknown;

/** Options of `startAwsLambdaEmulator`. */
export interface AwsLambdaEmulatorOptions extends AwsEmulatorIdentity {
  port?: number;
  host?: string;
}

/** A function's resource-policy statement, as AddPermission stores it. */
export interface LambdaPolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { Service: string } | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

/** How a function is deployed. */
export interface LambdaFunctionOptions {
  /**
   * Milliseconds an invocation may run before Lambda stops it with a function error
   * (`Task timed out after … seconds`), from 1 to 900,000. Default 3,000, Lambda's default.
   */
  timeoutMs?: number;
  /** The execution role's ARN, as GetFunction's `Configuration.Role` shows it; default `arn:aws:iam::<account>:role/<name>-role`. */
  role?: string;
}

interface LambdaFunction {
  name: string;
  arn: string;
  role: string;
  handler: LambdaHandler;
  statements: LambdaPolicyStatement[];
  timeoutMs: number;
}

const ROUTE = /^\/2015-03-31\/functions\/([^/]+)(\/policy|\/invocations)?\/?$/;

class LambdaError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * A local AWS Lambda speaking restJson1 to the unmodified `@aws-sdk/client-lambda`: GetFunction,
 * AddPermission and Invoke on in-process handlers. Connected to the Secrets Manager emulator
 * (`AwsSecretsManagerEmulator.useLambda`), it is where RotateSecret finds rotation functions and
 * checks that their policy lets secretsmanager.amazonaws.com invoke them.
 */
export class AwsLambdaEmulator extends AwsEmulatorBase implements RotationFunctionSource {
  readonly #functions = new Map<string, LambdaFunction>();

  /** Use `startAwsLambdaEmulator`; the constructor does not listen. */
  constructor(options: Omit<AwsLambdaEmulatorOptions, 'port' | 'host'> = {}) {
    checkEmulatorOptions(options, 'the AWS Lambda emulator');
    super(options, { service: 'lambda', wording: 'json' });
  }

  /** The ARN function `name` has (or would have) in this emulator. */
  functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /** Deploys (or replaces) function `name`; returns its ARN. Its policy starts empty. */
  addFunction(name: string, handler: LambdaHandler, options: LambdaFunctionOptions = {}): string {
    const check = optionChecks('the AWS Lambda emulator');
    check.refuseUnknownKeys(check.record(options, 'options'), ['timeoutMs', 'role']);
    if (options.role !== undefined && (typeof options.role !== 'string' || !options.role.startsWith('arn:'))) throw check.invalid('role', 'must be an ARN');
    const arn = this.functionArn(name);
    const role = options.role ?? `arn:aws:iam::${this.accountId}:role/${name}-role`;
    this.#functions.set(name, { name, arn, role, handler, statements: [], timeoutMs: readTimeoutMs(options.timeoutMs) });
    return arn;
  }

  /** The function's resource-policy statements. */
  policy(nameOrArn: string): LambdaPolicyStatement[] {
    return structuredClone(this.#get(nameOrArn).statements);
  }

  /** Whether `principal` (a service such as secretsmanager.amazonaws.com) may invoke the function. */
  mayInvoke(arn: string, principal = 'secretsmanager.amazonaws.com'): boolean {
    const fn = this.#find(arn);
    return (
      fn?.statements.some(
        (s) => 'Service' in s.Principal && s.Principal.Service === principal && /^lambda:(InvokeFunction|\*)$/.test(s.Action),
      ) ?? false
    );
  }

  /** Invokes the function as the service would (RotationFunctionSource), under its timeout. */
  async invoke(arn: string, event: RotationEvent): Promise<void> {
    const fn = this.#get(arn);
    await lambdaTimeout(fn.timeoutMs, async () => fn.handler(event));
  }

  #find(nameOrArn: string): LambdaFunction | undefined {
    // A qualified ARN (`…:function:name:alias`) names the same function here.
    const name = nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? '') : nameOrArn;
    return this.#functions.get(name);
  }

  #get(nameOrArn: string): LambdaFunction {
    const fn = this.#find(nameOrArn);
    if (!fn) {
      const arn = nameOrArn.startsWith('arn:') ? nameOrArn : this.functionArn(nameOrArn);
      throw new LambdaError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    }
    return fn;
  }

  protected protocol(): EmulatorProtocol {
    return {
      operationOf: (request: EmulatorRequest) => {
        const match = ROUTE.exec(request.url.split('?')[0] ?? '');
        if (!match) return undefined;
        if (match[2] === '/policy') return request.method === 'POST' ? 'AddPermission' : 'GetPolicy';
        if (match[2] === '/invocations') return 'Invoke';
        return request.method === 'GET' ? 'GetFunction' : undefined;
      },
      handle: async (request: EmulatorRequest, operation: string | undefined) => {
        const refused = await this.authenticate(request);
        // Lambda's front door answers a refused signature with 403 and a lower-case message member.
        if (refused) return errorResponse(new LambdaError(jsonSignatureErrorCode(refused.kind), refused.message, 403), 'message');
        try {
          const name = decodeURIComponent(ROUTE.exec(request.url.split('?')[0] ?? '')?.[1] ?? '');
          switch (operation) {
            case 'GetFunction':
              return json(200, this.#getFunction(name));
            case 'AddPermission':
              return json(201, this.#addPermission(name, request.body));
            case 'GetPolicy':
              return json(200, this.#getPolicy(name));
            case 'Invoke':
              return await this.#invokeOverHttp(name, request.body);
            default:
              throw new LambdaError('UnknownOperationException', `Unknown operation ${request.method} ${request.url}`, 400);
          }
        } catch (error) {
          if (error instanceof LambdaError) return errorResponse(error);
          throw error;
        }
      },
      throttleResponse: () => errorResponse(new LambdaError('TooManyRequestsException', 'Rate exceeded', 429)),
      errorResponse: () => errorResponse(new LambdaError('ServiceException', 'An internal error occurred.', 500)),
      snapshot: () =>
        [...this.#functions.values()].map(({ name, arn, statements, timeoutMs }) => ({ name, arn, statements, timeoutMs })),
    };
  }

  #getFunction(name: string): Record<string, unknown> {
    const fn = this.#get(name);
    return {
      Configuration: {
        FunctionName: fn.name,
        FunctionArn: fn.arn,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: fn.role,
        State: 'Active',
        Version: '$LATEST',
        // Lambda's Timeout is whole seconds; a sub-second test timeout shows as 1.
        Timeout: Math.ceil(fn.timeoutMs / 1000),
      },
      Code: { RepositoryType: 'S3' },
    };
  }

  /** The resource policy as Lambda answers it: a JSON string; a function with no statement has none (404). */
  #getPolicy(name: string): Record<string, unknown> {
    const fn = this.#get(name);
    if (fn.statements.length === 0) throw new LambdaError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);
    const policy = { Version: '2012-10-17', Id: 'default', Statement: fn.statements };
    return { Policy: JSON.stringify(policy), RevisionId: randomUUID() };
  }

  #addPermission(name: string, body: string): Record<string, unknown> {
    const fn = this.#get(name);
    const input = JSON.parse(body || '{}') as Record<string, unknown>;
    const sid = input['StatementId'];
    const action = input['Action'];
    const principal = input['Principal'];
    for (const [member, value] of [
      ['StatementId', sid],
      ['Action', action],
      ['Principal', principal],
    ] as const) {
      if (typeof value !== 'string' || value.length === 0) {
        throw new LambdaError('InvalidParameterValueException', `${member} is required.`, 400);
      }
    }
    if (fn.statements.some((s) => s.Sid === sid)) {
      throw new LambdaError(
        'ResourceConflictException',
        `The statement id (${String(sid)}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        409,
      );
    }
    const condition: Record<string, Record<string, string>> = {};
    if (typeof input['SourceAccount'] === 'string') condition['StringEquals'] = { 'AWS:SourceAccount': input['SourceAccount'] };
    if (typeof input['SourceArn'] === 'string') condition['ArnLike'] = { 'AWS:SourceArn': input['SourceArn'] };
    const statement: LambdaPolicyStatement = {
      Sid: String(sid),
      Effect: 'Allow',
      Principal: String(principal).endsWith('.amazonaws.com') ? { Service: String(principal) } : { AWS: String(principal) },
      Action: String(action),
      Resource: fn.arn,
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
    fn.statements.push(statement);
    return { Statement: JSON.stringify(statement) };
  }

  /** A function error is HTTP 200 with X-Amz-Function-Error and `{errorMessage, errorType}`. */
  async #invokeOverHttp(name: string, body: string): Promise<EmulatorResponse> {
    const fn = this.#get(name);
    let event: unknown;
    try {
      event = body.length === 0 ? {} : JSON.parse(body);
    } catch {
      throw new LambdaError('InvalidRequestContentException', 'Could not parse request body into json.', 400);
    }
    const headers = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'x-amz-executed-version': '$LATEST' };
    try {
      const result = await lambdaTimeout(fn.timeoutMs, async () => fn.handler(event));
      return { status: 200, headers, body: JSON.stringify(result ?? null) };
    } catch (error) {
      if (error instanceof LambdaTimeoutError) {
        return { status: 200, headers: { ...headers, 'x-amz-function-error': 'Unhandled' }, body: JSON.stringify(error.payload) };
      }
      const failure = error instanceof Error ? error : new Error(String(error));
      return {
        status: 200,
        headers: { ...headers, 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify({ errorType: failure.name, errorMessage: failure.message }),
      };
    }
  }
}

/** Starts a Lambda emulator; give its `url` to `LambdaClient` as `endpoint`. */
export async function startAwsLambdaEmulator(options: AwsLambdaEmulatorOptions = {}): Promise<AwsLambdaEmulator> {
  const { port, host, ...rest } = options;
  const emulator = new AwsLambdaEmulator(rest);
  await emulator.listen(port, host);
  return emulator;
}

function json(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(body) };
}

function errorResponse(error: LambdaError, messageMember: 'Message' | 'message' = 'Message'): EmulatorResponse {
  const body = messageMember === 'Message' ? { Type: error.status >= 500 ? 'Service' : 'User', Message: error.message } : { message: error.message };
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  };
}
