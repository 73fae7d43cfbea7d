// The names `rotate --help` prints, apart from the workflow client so that help loads no Alibaba SDK.

/** The flow `workflowDefinition()` of `@rotakit/provider-alibaba/setup` names, when `--flow` is not given. */
export const DEFAULT_FLOW_NAME = 'rotakit-rotation';

/** Where the Serverless Workflow API is, when not `<region>.fnf.aliyuncs.com`. */
export const FNF_ENDPOINT_ENV = 'ALIBABA_CLOUD_FNF_ENDPOINT';
