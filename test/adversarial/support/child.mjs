// A function container of the crash family: a node process that loads one cloud's rotation handler
// from the packages' builds (dist, as deployed), says `ready`, then runs each invocation the parent
// sends over IPC and answers with what the handler returned or threw. The parent SIGKILLs it at a
// random moment. Every log line and event goes to stdout, every error to stderr: the parent
// captures both and scans them for passwords.
//
// Usage (the parent forks it): child.mjs <aws|alibaba|ncloud> <single-user|alternating-users>
// Endpoints come from the environment: SECRETS_MANAGER_ENDPOINT (with AWS_REGION and the AWS_*
// keys), ROTAKIT_KMS_ENDPOINT, ROTAKIT_NCLOUD_ENDPOINT.

const [cloud, strategyKind] = process.argv.slice(2);
const packages = new URL('../../../packages/', import.meta.url);
const load = (name) => import(new URL(`${name}/dist/index.js`, packages).href);

const core = await load('core');
const { mysqlTarget } = await load('target-mysql');

/** JSON with errors written out in full (name, message, stack, cause, own fields): the scan must see all of it. */
function replacer(_key, value) {
  if (!(value instanceof Error)) return value;
  return { ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause };
}

const print = (stream, record) => stream.write(`${JSON.stringify(record, replacer)}\n`);
const logger = Object.fromEntries(
  ['debug', 'info', 'warn', 'error'].map((level) => [level, (...args) => print(process.stdout, { level, args })]),
);
const onEvent = (event) => print(process.stdout, { event });
const target = mysqlTarget({ tls: 'disable' });

/** The handler of `cloud`, as a function of one invocation's payload. */
async function handlerFor() {
  if (cloud === 'aws') {
    const { createRotationHandler } = await load('provider-aws');
    const strategy = strategyKind === 'alternating-users' ? core.alternatingUsers() : core.singleUser();
    // The Secrets Manager client comes from the environment, as in Lambda.
    const handler = createRotationHandler({ target, strategy, logger, onEvent });
    return (event) => handler(event);
  }
  if (cloud === 'alibaba') {
    const { createFcHandler } = await load('provider-alibaba');
    const strategy =
      strategyKind === 'alternating-users' ? core.alternatingUsers() : core.singleUser();
    const handler = createFcHandler({
      target,
      strategy,
      endpoint: process.env.ROTAKIT_KMS_ENDPOINT,
      protocol: 'http',
      logger,
      onEvent,
    });
    // Function Compute hands the event over as a Buffer.
    return ({ event, context }) => handler(Buffer.from(JSON.stringify(event)), context);
  }
  if (cloud === 'ncloud') {
    const { createCloudFunctionsAction, ncloudSchema } = await load('provider-ncloud');
    const alternating = strategyKind === 'alternating-users';
    // NAVER's convention names no privileged secret; alternating users read its id from cdbMasterSecret.
    const schema = alternating
      ? core.defineCredentialSchema({
          name: 'ncloud',
          fields: { ...ncloudSchema.fields, masterSecret: 'cdbMasterSecret' },
          alternateSuffix: ncloudSchema.alternateSuffix,
        })
      : ncloudSchema;
    const main = createCloudFunctionsAction({
      target,
      strategy: alternating ? core.alternatingUsers() : core.singleUser(),
      schema,
      endpoint: process.env.ROTAKIT_NCLOUD_ENDPOINT,
      logger,
      onEvent,
      environment: {},
    });
    return (args) => main(args);
  }
  throw new Error(`unknown cloud ${cloud}`);
}

const run = await handlerFor();

process.on('message', async (message) => {
  if (message?.type !== 'invoke') return;
  try {
    const value = await run(message.payload);
    print(process.stdout, { returned: value });
    process.send({ type: 'returned', id: message.id, value });
  } catch (error) {
    // What a function runtime prints for an unhandled error.
    console.error(error);
    const { name, code, message: text, retryable, pendingToken } = error ?? {};
    process.send({ type: 'threw', id: message.id, error: { name, code, message: text, retryable, pendingToken } });
  }
});
// The parent closes the channel to stop a container that was not killed.
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
