import { AddPermissionCommand, GetFunctionCommand, GetPolicyCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { IAMClient, NoSuchEntityException, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_EMULATOR_CREDENTIALS, startAwsIamEmulator, startAwsLambdaEmulator, type AwsIamEmulator, type AwsLambdaEmulator } from '../src/index.js';

const config = (endpoint: string) => ({ endpoint, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1 });
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf';

describe('IAM emulator, through the official IAMClient', () => {
  let iam: AwsIamEmulator;
  let client: IAMClient;
  beforeAll(async () => {
    iam = await startAwsIamEmulator();
    client = new IAMClient(config(iam.url));
  });
  afterAll(() => iam.close());

  const decisions = async (principal: string, actions: string[], resources: string[]) => {
    const answer = await client.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: actions, ResourceArns: resources }));
    return (answer.EvaluationResults ?? []).map((result) => [result.EvalActionName, result.EvalResourceName, result.EvalDecision]);
  };

  it('answers explicit deny over allow, allow, and implicit deny for what no statement allows', async () => {
    const role = iam.createRole('rotator');
    iam.putPolicy(role, 'read-write', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['secretsmanager:Get*', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'], Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/*' },
        { Effect: 'Deny', Action: 'secretsmanager:PutSecretValue', Resource: '*' },
      ],
    });
    expect(await decisions(role, ['SecretsManager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], [SECRET])).toEqual([
      ['SecretsManager:GetSecretValue', SECRET, 'allowed'],
      ['secretsmanager:PutSecretValue', SECRET, 'explicitDeny'],
      ['secretsmanager:UpdateSecretVersionStage', SECRET, 'implicitDeny'],
    ]);
    // Resource ARNs match with case and wildcards: another secret's path is not under app/*.
    expect(await decisions(role, ['secretsmanager:DescribeSecret'], ['arn:aws:secretsmanager:us-east-1:123456789012:secret:App/db-x'])).toEqual([
      ['secretsmanager:DescribeSecret', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:App/db-x', 'implicitDeny'],
    ]);
    expect(iam.decide(role, 'secretsmanager:GetRandomPassword', '*')).toBe('implicitDeny');
  });

  it('answers NoSuchEntity for an unknown principal and refuses a bad signature', async () => {
    await expect(client.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: iam.roleArn('nobody'), ActionNames: ['s3:GetObject'] }))).rejects.toBeInstanceOf(NoSuchEntityException);
    const forged = new IAMClient({ ...config(iam.url), credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' } });
    await expect(forged.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: iam.createRole('r2'), ActionNames: ['s3:GetObject'] }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
  });
});

describe('Lambda emulator GetFunction Role and GetPolicy, through the official LambdaClient', () => {
  let lambda: AwsLambdaEmulator;
  beforeAll(async () => {
    lambda = await startAwsLambdaEmulator();
  });
  afterAll(() => lambda.close());

  it('shows the execution role, and the resource policy once a statement is added', async () => {
    const client = new LambdaClient(config(lambda.url));
    lambda.addFunction('rotator', () => null, { role: 'arn:aws:iam::123456789012:role/rotator' });
    expect((await client.send(new GetFunctionCommand({ FunctionName: 'rotator' }))).Configuration?.Role).toBe('arn:aws:iam::123456789012:role/rotator');
    await expect(client.send(new GetPolicyCommand({ FunctionName: 'rotator' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await client.send(new AddPermissionCommand({ FunctionName: 'rotator', StatementId: 'sm', Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com', SourceAccount: '123456789012' }));
    const policy = JSON.parse((await client.send(new GetPolicyCommand({ FunctionName: 'rotator' }))).Policy ?? '{}') as { Statement: unknown[] };
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'secretsmanager.amazonaws.com' }, Action: 'lambda:InvokeFunction', Condition: { StringEquals: { 'AWS:SourceAccount': '123456789012' } } }),
    ]);
  });
});
