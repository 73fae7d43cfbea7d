// NAVER Cloud: Secret Manager's "rotate now" opens a rotation job and runs the secret's trigger,
// whose action is examples/ncloud-action's `main` (its built bundle, with the default parameters
// a deployment sets), which rotates the password on the embedded PostgreSQL.
import { createRequire } from 'node:module';
import { NCLOUD_EMULATOR_CREDENTIAL, startNcloudSecretManagerEmulator } from '@rotakit/testkit';

const require = createRequire(import.meta.url);
const BUNDLE = '../ncloud-action/dist/index.cjs';
const TRIGGER = 'demo-rotation';

/**
 * Rotates `user` ({username, password}) on `server` the NAVER way. Resolves to what the demo
 * prints and checks: how the job ended, the secret's chain and the current value.
 */
export async function rotateOnNcloud(server, user) {
  const ncloud = await startNcloudSecretManagerEmulator();
  try {
    // What the action's README documents for another Secret Manager endpoint (the region-isolated host shape).
    process.env.NCLOUD_SECRET_MANAGER_ENDPOINT = ncloud.regionalUrl;
    // Loaded as Cloud Functions loads a Node.js action: a require of the CommonJS bundle, `main` called per invocation.
    const { main } = require(BUNDLE);
    // The action's default parameters: the sub-account's keys (the emulator's pair), the engine, and no TLS for the embedded server.
    ncloud.registerAction(TRIGGER, main, { defaultParams: { ...NCLOUD_EMULATOR_CREDENTIAL, engine: 'postgres', dbTls: 'disable' } });

    // NAVER's Cloud DB convention, cdbPassword the rotation target.
    const active = { cdbHost: server.host, cdbPort: String(server.port), cdbUser: user.username, cdbPassword: user.password, cdbDatabase: server.database };
    const secretId = ncloud.seedSecret({ secretName: 'demo-ncloud-app', chain: { active }, rotationTargets: ['cdbPassword'], triggerId: TRIGGER });
    const before = stageTable(ncloud, secretId);

    // The console's request goes to the host shape of the secret's key isolation (regional by default).
    const { job, result } = await ncloud.rotateSecret(secretId, { regional: true });
    const current = JSON.parse(ncloud.stageValues(secretId).current);
    return {
      cloud: 'ncloud',
      how: `"rotate now" (a signed POST /api/v1/secrets/{id}/rotation) ran examples/ncloud-action's main: job ${job.status}${result?.done === false ? ` (${result.error_code})` : ''}`,
      succeeded: job.status === 'completed' && result?.done === true,
      before,
      after: stageTable(ncloud, secretId),
      current: { host: current.cdbHost, port: Number(current.cdbPort), database: current.cdbDatabase, username: current.cdbUser, password: current.cdbPassword },
      values: Object.values(chainOf(ncloud, secretId)),
      keys: [NCLOUD_EMULATOR_CREDENTIAL.secretKey],
    };
  } finally {
    await ncloud.close();
  }
}

/**
 * The secret's chain: NAVER keeps no version ids, a value is known by its place in the chain
 * (previous, active, pending), so the version column shows that place. No password, nor anything derived from one.
 */
function stageTable(ncloud, secretId) {
  return Object.entries(chainOf(ncloud, secretId)).map(([stage, value]) => ({
    version: '(chain)',
    stages: stage,
    username: JSON.parse(value).cdbUser ?? '-',
  }));
}

function chainOf(ncloud, secretId) {
  return ncloud.state().secrets.find((secret) => secret.secretId === secretId)?.chain ?? {};
}
