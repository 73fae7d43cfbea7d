// The official Serverless Workflow client, `@alicloud/fnf-2019-03-15` (on `@alicloud/pop-core`'s
// RPC client: HMAC-SHA1 signatures, GET with the query or POST with a form body), pointed at an
// emulator. The package ships no types: this file declares the methods the tests call.
import { createRequire } from 'node:module';

/** The raw PascalCase answer: pop-core hands back the JSON map as it came. */
export type FnfAnswer = Record<string, unknown>;

/** The methods of `@alicloud/fnf-2019-03-15` the tests call, each taking PascalCase parameters. */
export interface FnfClient {
  createFlow(params: { Name: string; Definition: string; Description: string; Type: string; RoleArn?: string }): Promise<FnfAnswer>;
  describeFlow(params: { Name: string }): Promise<FnfAnswer>;
  startExecution(params: { FlowName: string; ExecutionName?: string; Input?: string }): Promise<FnfAnswer>;
  describeExecution(params: { FlowName: string; ExecutionName: string; WaitTimeSeconds?: number }): Promise<FnfAnswer>;
  getExecutionHistory(params: { FlowName: string; ExecutionName: string; NextToken?: string; Limit?: number }): Promise<FnfAnswer>;
}

interface FnfConfig {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

const require = createRequire(import.meta.url);
const Fnf = require('@alicloud/fnf-2019-03-15') as new (config: FnfConfig) => FnfClient;

/** The AccessKey the signed workflow emulators are started with. */
export const WORKFLOW_KEY = { accessKeyId: 'LTAI5tWorkflowKey', accessKeySecret: 'workflow-secret' } as const;

/** The official client on an emulator's URL (pop-core takes the endpoint with its scheme). */
export function fnfClient(url: string, key: { accessKeyId: string; accessKeySecret: string } = WORKFLOW_KEY): FnfClient {
  return new Fnf({ endpoint: url, ...key });
}

/** What a client call rejects with: pop-core's error, whose `code` is the service's Code and `data` the body. */
export async function fnfError(call: Promise<unknown>): Promise<{ code: string; name: string; data: FnfAnswer }> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error as { code: string; name: string; data: FnfAnswer },
  );
  if (outcome === undefined) throw new Error('expected the call to fail');
  return outcome;
}
