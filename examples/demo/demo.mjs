// rotakit demo: what a user deploys, on embedded defaults. A throwaway PostgreSQL (nothing to
// install), then each cloud's emulator drives the deployable example of that cloud, built by
// `pnpm -r build`: AWS Secrets Manager's RotateSecret invokes examples/aws-lambda, an Alibaba
// Serverless Workflow execution of the generated flow runs examples/alibaba-fc, and a NAVER
// Secret Manager rotation job runs examples/ncloud-action. After each: the stage table and an
// application's logins with the new and the old password. Run it with `pnpm demo`.
//
// `--report=<file>` also writes a machine-readable account of the run for the demo's test,
// including every password the run knew, so the test can check that none reached the output.
// The file is the only place they go; stdout never carries a password or a hash of one.
import { existsSync, writeFileSync } from 'node:fs';
import { startPostgres } from '@rotakit/testkit';
import { rotateOnAlibaba } from './alibaba.mjs';
import { rotateOnAws } from './aws.mjs';
import { applicationLogin, createApplicationUsers, initialPassword } from './database.mjs';
import { rotateOnNcloud } from './ncloud.mjs';

const CLOUDS = [
  { name: 'aws', title: 'AWS: Secrets Manager RotateSecret → Lambda function (examples/aws-lambda)', rotate: rotateOnAws },
  { name: 'alibaba', title: 'Alibaba Cloud: Serverless Workflow execution → Function Compute handler (examples/alibaba-fc)', rotate: rotateOnAlibaba },
  { name: 'ncloud', title: 'NAVER Cloud: Secret Manager rotation job → Cloud Functions action (examples/ncloud-action)', rotate: rotateOnNcloud },
];
const reportFile = process.argv.find((arg) => arg.startsWith('--report='))?.slice('--report='.length);

function describeLogin(login) {
  return login.ok ? `ok, wrote an order (${login.orders} in the table)` : `refused: ${login.code}`;
}

/** One cloud's path: the rotation, its stage tables, and the two logins that prove it. */
async function runCloud(server, cloud, user) {
  console.log(`\n=== ${cloud.title}`);
  console.log(`[${cloud.name}] (the function's own log lines follow, as its cloud would collect them)`);
  const rotation = await cloud.rotate(server, user);
  console.log(`[${cloud.name}] ${rotation.how}`);
  console.log(`[${cloud.name}] rotation ${rotation.succeeded ? 'succeeded' : 'FAILED'}`);
  console.log(`[${cloud.name}] stages before the rotation`);
  console.table(rotation.before);
  console.log(`[${cloud.name}] stages after the rotation`);
  console.table(rotation.after);
  const current = await applicationLogin(rotation.current);
  console.log(`[${cloud.name}] login with the new current credentials (${rotation.current.username}): ${describeLogin(current)}`);
  // Single user: the password changed on the server, so the old one no longer works.
  const old = await applicationLogin({ ...rotation.current, username: user.username, password: user.password });
  console.log(`[${cloud.name}] login with the old password (${user.username}): ${describeLogin(old)}`);
  const ok = rotation.succeeded && current.ok && !old.ok && old.code === '28P01' && rotation.current.password !== user.password;
  return {
    ok,
    report: {
      cloud: cloud.name,
      succeeded: rotation.succeeded,
      before: rotation.before,
      after: rotation.after,
      logins: { current, old },
      passwords: { old: user.password, current: rotation.current.password },
      values: rotation.values,
      keys: rotation.keys,
    },
  };
}

async function main(server) {
  const users = CLOUDS.map((cloud) => ({ username: `app_${cloud.name}`, password: initialPassword() }));
  await createApplicationUsers(server, users);
  console.log(`created the application users ${users.map((user) => user.username).join(', ')} (one per cloud)`);
  let ok = true;
  const reports = [];
  for (const [index, cloud] of CLOUDS.entries()) {
    try {
      const result = await runCloud(server, cloud, users[index]);
      ok = result.ok && ok;
      reports.push(result.report);
    } catch (error) {
      // rotakit's errors carry no secret; an emulator's or a driver's name what failed, not a value.
      console.log(`[${cloud.name}] FAILED: ${error?.code ?? error?.name ?? ''} ${error?.message ?? error}`);
      ok = false;
      reports.push({ cloud: cloud.name, succeeded: false, passwords: { old: users[index].password } });
    }
  }
  if (reportFile) writeFileSync(reportFile, JSON.stringify({ ok, clouds: reports, adminPassword: server.admin.password }, null, 2), { mode: 0o600 });
  return ok;
}

let server;
const stop = async () => {
  const current = server;
  server = undefined;
  if (!current) return;
  await current.close();
  const removed = current.directory === undefined || !existsSync(current.directory);
  console.log(`\ndemo finished: server stopped, temporary directory ${removed ? 'removed' : 'NOT removed'}`);
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stop().finally(() => process.exit(130));
  });
}

try {
  console.log('starting a throwaway PostgreSQL server…');
  // Never a POSTGRES_URL server: one that trusts every login would prove no password.
  server = await startPostgres({ allowExternal: false });
  console.log(`PostgreSQL is listening on ${server.host}:${server.port}`);
  const ok = await main(server);
  console.log(ok ? '\nall three clouds rotated, and every login behaved as expected' : '\nSOMETHING DID NOT BEHAVE AS EXPECTED');
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  console.error(`demo failed: ${error?.code ?? ''} ${error?.message ?? error}`);
  process.exitCode = 1;
} finally {
  await stop();
}
