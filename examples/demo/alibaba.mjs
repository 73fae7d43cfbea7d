// Alibaba Cloud: a Serverless Workflow execution of the flow `workflowDefinition()` generates runs
// the Function Compute handler of examples/alibaba-fc (its built bundle) for each state, and the
// handler rotates the password in KMS and on the embedded PostgreSQL. The example's two MySQL
// functions do not fit a PostgreSQL server: this is its third, `self-managed-postgres` (single user).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { workflowDefinition } from '@rotakit/provider-alibaba/setup';
import { startAlibabaKmsEmulator, startAlibabaWorkflowEmulator } from '@rotakit/testkit';

const require = createRequire(import.meta.url);
// The official client (CommonJS); its constructor is the module itself.
const Fnf = require('@alicloud/fnf-2019-03-15');
const BUNDLE = '../alibaba-fc/dist/self-managed-postgres/index.js';
const SECRET = 'demo/alibaba/app';
const FLOW = 'rotakit-rotation';
const FUNCTION_ARN = 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate-postgres';
// The demo account's AccessKey: the flow's API calls are signed with it, and the function's role
// gets it (with an STS token) in its context, as Function Compute hands a role's credentials.
const ACCESS_KEY = { accessKeyId: 'LTAI5tRotakitDemo', accessKeySecret: 'rotakit-demo-alibaba-access-key-secret' };

/**
 * Rotates `user` ({username, password}) on `server` the Alibaba way. Resolves to what the demo
 * prints and checks: how the execution ended, the secret's stages and the current value.
 */
export async function rotateOnAlibaba(server, user) {
  const [kms, workflow] = await Promise.all([
    startAlibabaKmsEmulator({ credentials: ACCESS_KEY }),
    startAlibabaWorkflowEmulator({ credentials: ACCESS_KEY, functionCredentials: { ...ACCESS_KEY, securityToken: 'demo-sts-token' } }),
  ]);
  try {
    // What the provider README documents for pointing the function at another KMS endpoint; a URL's scheme sets the protocol.
    process.env.ALIBABA_CLOUD_KMS_ENDPOINT = kms.url;
    // Loaded as Function Compute loads `index.handler`: a require of the CommonJS bundle.
    const { handler } = require(BUNDLE);
    workflow.registerFunction(FUNCTION_ARN, handler);

    // Alibaba's convention; "SSL": false because the embedded server has no TLS.
    const value = { Endpoint: server.host, Port: server.port, AccountName: user.username, AccountPassword: user.password, DBName: server.database, SSL: false };
    kms.seed({ name: SECRET, versions: [{ versionId: 'v-initial', data: JSON.stringify(value), stages: ['ACSCurrent'] }] });
    const before = stageTable(kms);

    // The deploy-time and scheduler side, through the official client: create the generated flow, start an execution.
    const client = new Fnf({ endpoint: workflow.url, ...ACCESS_KEY });
    await client.createFlow({ Name: FLOW, Definition: workflowDefinition({ functionArn: FUNCTION_ARN, name: FLOW }), Description: 'rotakit demo', Type: 'FDL' });
    const executionName = `rotation-${randomBytes(3).toString('hex')}`;
    await client.startExecution({ FlowName: FLOW, ExecutionName: executionName, Input: JSON.stringify({ SecretName: SECRET, RegionId: kms.regionId }) });
    const execution = await workflow.waitForExecution(FLOW, executionName);
    const described = await client.describeExecution({ FlowName: FLOW, ExecutionName: executionName });
    const states = execution.invocations.map((invocation) => invocation.step);
    const current = JSON.parse(kms.stageValues(SECRET).current);
    return {
      cloud: 'alibaba',
      how: `execution ${executionName} of workflowDefinition()'s flow (official @alicloud/fnf-2019-03-15 client) ran examples/alibaba-fc's self-managed-postgres bundle: ${states.join(', ')}; status ${described.Status}${execution.error ? ` (${execution.error})` : ''}`,
      succeeded: described.Status === 'Succeeded',
      before,
      after: stageTable(kms),
      current: { host: current.Endpoint, port: current.Port, database: current.DBName, username: current.AccountName, password: current.AccountPassword },
      values: valuesOf(kms),
      keys: [ACCESS_KEY.accessKeySecret],
    };
  } finally {
    await Promise.all([kms.close(), workflow.close()]);
  }
}

/** The secret's labelled versions: id, labels, username. No password, nor anything derived from one. */
function stageTable(kms) {
  return versionsOf(kms)
    .filter((version) => version.stages.length > 0)
    .map((version) => ({
      version: version.versionId.length <= 16 ? version.versionId : version.versionId.slice(0, 8),
      stages: version.stages.join(','),
      username: JSON.parse(version.data).AccountName ?? '-',
    }));
}

function versionsOf(kms) {
  return kms.state().secrets.find((secret) => secret.name === SECRET)?.versions ?? [];
}

/** Every value the secret held, for the machine-readable report (the test scans the output for their passwords). */
function valuesOf(kms) {
  return versionsOf(kms).map((version) => version.data);
}
