/**
 * Deploy-time helpers, kept out of the main entry point so a Function Compute handler's bundle
 * carries neither them nor the `yaml` package they use.
 *
 * @module @rotakit/provider-alibaba/setup
 */
export { DEFAULT_WORKFLOW_RETRY, schedulePayload, WORKFLOW_STATE_NAMES, workflowDefinition } from './workflow.js';
export type { SchedulePayloadOptions, WorkflowDefinitionOptions, WorkflowRetry } from './workflow.js';
