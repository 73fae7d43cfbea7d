import { optionChecks } from '@rotakit/core';
import { alibabaEmulatorControls, type AlibabaEmulatorControls } from '../alibaba/controls.js';
import { EmulatorServer, type Fault } from '../http.js';
import type { AlibabaCredentials } from '../alibaba/signature.js';
import type { WorkflowErrorCode } from './errors.js';
import { AlibabaWorkflowProtocol, type WorkflowAction } from './protocol.js';
import {
  WorkflowService,
  type WorkflowEmulatorState,
  type WorkflowExecutionState,
  type WorkflowFlowSeed,
  type WorkflowFlowState,
  type WorkflowFunction,
} from './service.js';

export { WORKFLOW_ERRORS, WorkflowTaskError, type WorkflowErrorCode } from './errors.js';
export { MATCH_ALL_ERRORS, type WorkflowHistoryEvent } from './execution.js';
export { WORKFLOW_ACTIONS, type WorkflowAction } from './protocol.js';
export type {
  WorkflowEmulatorState,
  WorkflowExecutionState,
  WorkflowExecutionStatus,
  WorkflowFlowSeed,
  WorkflowFlowState,
  WorkflowFunction,
  WorkflowFunctionContext,
  WorkflowInvocation,
} from './service.js';

/** Options of {@link startAlibabaWorkflowEmulator}. */
export interface AlibabaWorkflowEmulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Region of the function context and error HostIds. Default `cn-hangzhou`. */
  regionId?: string;
  /** Account id of the function context. Default `1234567890123456`. */
  accountId?: string;
  /** When set, API requests must be signed with this AccessKey (RPC v1 or ACS3-HMAC-SHA256). */
  credentials?: AlibabaCredentials;
  /** The functions tasks invoke, by ARN (`acs:fc:<region>:<account>:services/<service>/functions/<name>`). */
  functions?: Record<string, WorkflowFunction>;
  /** Flows created at start. */
  flows?: WorkflowFlowSeed[];
  /** The function role's credentials, handed to every in-process invocation as `context.credentials`. */
  functionCredentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /**
   * Real time per workflow time in a retry's wait: 1 (the default) waits the policy's seconds,
   * 0.001 a millisecond per second, 0 not at all. The wait each retry was due is in the
   * execution's history (`TaskRetryScheduled`, `waitSeconds`) whatever the scale.
   */
  timeScale?: number;
}

/** A fault aimed at one workflow API action, or at every action with `'*'`. */
export type AlibabaWorkflowFault = Fault & { operation: WorkflowAction | '*' };

/**
 * A running Serverless Workflow emulator. Its faults: `throttle` answers Throttled (429), `error`
 * InternalServerError (500) unless a response is given.
 */
export interface AlibabaWorkflowEmulator extends AlibabaEmulatorControls<WorkflowAction, WorkflowErrorCode> {
  /** Base URL, e.g. `http://127.0.0.1:18081`. */
  readonly url: string;
  /** `host:port`. `@alicloud/fnf-2019-03-15` takes the URL itself as `endpoint`. */
  readonly endpoint: string;
  readonly regionId: string;
  /** Creates a flow (the API's CreateFlow does the same). */
  createFlow(flow: WorkflowFlowSeed): WorkflowFlowState;
  /** Registers (or replaces) the function a task's ARN invokes. */
  registerFunction(resourceArn: string, target: WorkflowFunction): void;
  /** Starts an execution as StartExecution does, and resolves when it stops, succeeded or failed. */
  execute(flowName: string, options?: { executionName?: string; input?: Record<string, unknown> }): Promise<WorkflowExecutionState>;
  /** Resolves when an execution (started through the API or {@link execute}) stops. */
  waitForExecution(flowName: string, executionName: string): Promise<WorkflowExecutionState>;
  /** Every flow and execution. */
  state(): WorkflowEmulatorState;
}

const OPTION_KEYS = ['port', 'host', 'regionId', 'accountId', 'credentials', 'functions', 'flows', 'functionCredentials', 'timeScale'];

/**
 * Starts an Alibaba Cloud Serverless Workflow (FnF / CloudFlow) emulator: it runs FDL flows and
 * CloudFlow state machines whose tasks invoke registered functions, and serves StartExecution,
 * DescribeExecution, GetExecutionHistory, CreateFlow and DescribeFlow to the unmodified
 * `@alicloud/fnf-2019-03-15` client.
 */
export async function startAlibabaWorkflowEmulator(options: AlibabaWorkflowEmulatorOptions = {}): Promise<AlibabaWorkflowEmulator> {
  const check = optionChecks('startAlibabaWorkflowEmulator');
  check.refuseUnknownKeys(check.record(options, 'options'), OPTION_KEYS);
  const timeScale = options.timeScale ?? 1;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale < 0) throw check.invalid('timeScale', 'must be a number of at least 0');
  const regionId = check.nonEmptyString(options.regionId, 'regionId', 'cn-hangzhou');
  const service = new WorkflowService({
    regionId,
    accountId: check.nonEmptyString(options.accountId, 'accountId', '1234567890123456'),
    timeScale,
    functionCredentials: options.functionCredentials,
  });
  for (const [arn, target] of Object.entries(check.record(options.functions, 'functions'))) service.registerFunction(arn, target as WorkflowFunction);
  for (const flow of options.flows ?? []) service.createFlow(flow);
  const protocol = new AlibabaWorkflowProtocol(service, regionId, options.credentials);
  const server = new EmulatorServer(protocol);
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    endpoint: new URL(url).host,
    regionId,
    createFlow: (flow) => service.createFlow(flow),
    registerFunction: (arn, target) => service.registerFunction(arn, target),
    execute: async (flowName, execution = {}) =>
      service.startExecution(flowName, {
        executionName: execution.executionName,
        input: execution.input === undefined ? undefined : JSON.stringify(execution.input),
      }).finished,
    waitForExecution: async (flowName, executionName) => service.execution(flowName, executionName).finished,
    state: () => protocol.snapshot(),
    ...alibabaEmulatorControls<WorkflowAction, WorkflowErrorCode>(server, protocol),
  };
}
