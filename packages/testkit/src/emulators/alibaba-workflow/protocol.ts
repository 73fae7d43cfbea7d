import { randomUUID } from 'node:crypto';
import type { EmulatorProtocol, EmulatorRequest, EmulatorResponse } from '../http.js';
import { KmsError, missingParameter } from '../alibaba/errors.js';
import { errorBody, header, json, parse } from '../alibaba/protocol.js';
import { type AlibabaCredentials, verifySignature } from '../alibaba/signature.js';
import { workflowError, type WorkflowErrorCode } from './errors.js';
import type { WorkflowEmulatorState, WorkflowExecutionState, WorkflowFlowSeed, WorkflowFlowState, WorkflowService } from './service.js';

const API_VERSION = '2019-03-15';

/** The Serverless Workflow actions the emulator answers. */
export const WORKFLOW_ACTIONS = ['CreateFlow', 'DescribeFlow', 'StartExecution', 'DescribeExecution', 'GetExecutionHistory'] as const;

/** One of {@link WORKFLOW_ACTIONS}. */
export type WorkflowAction = (typeof WORKFLOW_ACTIONS)[number];

/** DescribeExecution's longest long poll, in seconds. */
const MAX_WAIT_SECONDS = 60;

/**
 * The Serverless Workflow (FnF / CloudFlow) API, version 2019-03-15, over the RPC protocol as
 * `@alicloud/fnf-2019-03-15` speaks it: the action in `Action`, the parameters in the query (GET)
 * or a form body (POST), RPC v1 or ACS3 signatures, PascalCase JSON answers.
 */
export class AlibabaWorkflowProtocol implements EmulatorProtocol {
  readonly service: WorkflowService;
  readonly #credentials: AlibabaCredentials | undefined;
  readonly #regionId: string;

  constructor(service: WorkflowService, regionId: string, credentials: AlibabaCredentials | undefined) {
    this.service = service;
    this.#regionId = regionId;
    this.#credentials = credentials;
  }

  operationOf(request: EmulatorRequest): string | undefined {
    return parse(request).action;
  }

  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    try {
      const { action, params, query, path } = parse(request);
      if (this.#credentials) verifySignature({ ...request, path, query, params }, this.#credentials);
      const version = params['Version'] ?? header(request, 'x-acs-version');
      if (version !== undefined && version !== API_VERSION) throw workflowError('InvalidVersion');
      if (!(WORKFLOW_ACTIONS as readonly (string | undefined)[]).includes(action)) throw workflowError('InvalidAction.NotFound');
      return json(200, { RequestId: randomUUID(), ...(await this.#run(action as WorkflowAction, params)) });
    } catch (error) {
      if (error instanceof KmsError) return this.#errorBody(error);
      process.emitWarning(`Alibaba workflow emulator bug: ${error instanceof Error ? error.message : String(error)}`);
      return this.#errorBody(workflowError('InternalServerError'));
    }
  }

  throttleResponse(): EmulatorResponse {
    return this.errorResponseFor('Throttled');
  }

  errorResponse(): EmulatorResponse {
    return this.errorResponseFor('InternalServerError');
  }

  /** The workflow error answer for `code`. */
  errorResponseFor(code: WorkflowErrorCode): EmulatorResponse {
    return this.#errorBody(workflowError(code));
  }

  snapshot(): WorkflowEmulatorState {
    return this.service.snapshot();
  }

  /** Creates the flows of `{flows: [{name, definition}]}` (or a list of them). */
  seed(input: unknown): void {
    const flows = Array.isArray(input) ? input : (input as { flows?: unknown } | null)?.flows;
    if (!Array.isArray(flows)) throw new Error('seed body must be a list of flows or {flows: [...]}');
    for (const flow of flows as WorkflowFlowSeed[]) this.service.createFlow(flow);
  }

  #errorBody(error: KmsError): EmulatorResponse {
    return errorBody(error, `${this.#regionId}.fnf.aliyuncs.com`, 'fnf');
  }

  async #run(action: WorkflowAction, params: Record<string, string>): Promise<Record<string, unknown>> {
    const required = (name: string): string => {
      const value = params[name];
      if (value === undefined || value === '') throw missingParameter(name);
      return value;
    };
    switch (action) {
      case 'CreateFlow': {
        const type = params['Type'] ?? 'FDL';
        if (type !== 'FDL' && type !== 'DEFAULT') throw workflowError('InvalidArgument', 'Type must be FDL or DEFAULT');
        const flow = this.service.createFlow({ name: required('Name'), definition: required('Definition'), description: params['Description'] ?? '' });
        return flowBody(flow);
      }
      case 'DescribeFlow':
        return flowBody(this.service.flow(required('Name')));
      case 'StartExecution': {
        const execution = this.service.startExecution(required('FlowName'), { executionName: params['ExecutionName'], input: params['Input'] });
        return this.#executionBody(execution.state);
      }
      case 'DescribeExecution': {
        const execution = this.service.execution(required('FlowName'), required('ExecutionName'));
        const wait = Number(params['WaitTimeSeconds'] ?? 0);
        if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) throw workflowError('InvalidArgument', `WaitTimeSeconds must be an integer from 0 to ${MAX_WAIT_SECONDS}`);
        if (wait > 0 && execution.state.status === 'Running') {
          // The long poll: answer as soon as the execution stops, or after the wait.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([execution.finished, new Promise((resolve) => (timer = setTimeout(resolve, wait * 1000)))]);
          clearTimeout(timer);
        }
        return this.#executionBody(execution.state);
      }
      case 'GetExecutionHistory': {
        const { events } = this.service.execution(required('FlowName'), required('ExecutionName')).state;
        const limit = Number(params['Limit'] ?? 100);
        const from = Number(params['NextToken'] ?? 0);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(from) || from < 0) throw workflowError('InvalidArgument', 'Limit or NextToken is invalid');
        const page = events.slice(from, from + limit);
        return {
          Events: page.map((event) => ({
            EventId: event.eventId,
            Type: event.type,
            StepName: event.stepName,
            Time: event.time,
            EventDetail: JSON.stringify(event.detail),
          })),
          ...(from + limit < events.length ? { NextToken: String(from + limit) } : {}),
        };
      }
    }
  }

  #executionBody(execution: WorkflowExecutionState): Record<string, unknown> {
    return {
      Name: execution.name,
      FlowName: execution.flowName,
      FlowDefinition: this.service.flow(execution.flowName).definition,
      Input: JSON.stringify(execution.input),
      ...(execution.output === undefined ? {} : { Output: JSON.stringify(execution.output) }),
      Status: execution.status,
      StartedTime: execution.startedTime,
      ...(execution.stoppedTime === undefined ? {} : { StoppedTime: execution.stoppedTime }),
    };
  }
}

function flowBody(flow: WorkflowFlowState): Record<string, unknown> {
  return {
    Name: flow.name,
    Id: flow.name,
    Definition: flow.definition,
    Description: flow.description,
    CreatedTime: flow.createdTime,
    LastModifiedTime: flow.createdTime,
  };
}
