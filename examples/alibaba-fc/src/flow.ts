// Prints the Serverless Workflow definition and the schedule payload for the deployed function:
//   FUNCTION_ARN=acs:fc:cn-hangzhou:<uid>:services/rotation/functions/rotate SECRET_NAME=db/app \
//   REGION_ID=cn-hangzhou [INSTANCE_ID=rm-…] pnpm flow
import { schedulePayload, workflowDefinition } from '@rotakit/provider-alibaba/setup';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};
const instanceId = process.env['INSTANCE_ID'];

console.log('# Flow definition');
console.log(workflowDefinition({ functionArn: env('FUNCTION_ARN'), instanceId: instanceId !== undefined }));
console.log('# Schedule payload');
console.log(
  schedulePayload({
    secretName: env('SECRET_NAME'),
    regionId: env('REGION_ID'),
    ...(instanceId === undefined ? {} : { instanceId }),
  }),
);
