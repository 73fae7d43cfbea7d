// One reset shape on every emulator: resetCalls() forgets the call counts and the call log, and
// DELETE /_rotakit/calls does the same over HTTP.
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import {
  AWS_EMULATOR_CREDENTIALS,
  startAlibabaKmsEmulator,
  startAlibabaRdsEmulator,
  startAwsLambdaEmulator,
  startAwsRdsEmulator,
  startAwsSecretsManagerEmulator,
  startNcloudSecretManagerEmulator,
} from '../src/index.js';
import { clientFor } from './aws-emulator-helpers.js';

/** What the reset test needs of an emulator, whatever its cloud. */
interface Counted {
  url: string;
  callLog(): readonly string[];
  counts(): Record<string, number>;
  resetCalls(): void;
  close(): Promise<void>;
}

const awsConfig = (endpoint: string) => ({ endpoint, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1 });

/** Each emulator, and one call of its operation `operation` (answered or refused, it is counted). */
const emulators: { name: string; operation: string; start(): Promise<Counted>; call(emulator: Counted): Promise<unknown> }[] = [
  {
    name: 'AWS Secrets Manager',
    operation: 'ListSecretVersionIds',
    start: async () => {
      const sm = await startAwsSecretsManagerEmulator();
      return { url: sm.url, callLog: () => sm.callLog(), counts: () => sm.callCounts(), resetCalls: () => sm.resetCalls(), close: () => sm.close() };
    },
    call: async ({ url }) => {
      const client = clientFor(url);
      await client.send(new ListSecretVersionIdsCommand({ SecretId: 'missing' })).catch(() => undefined);
      client.destroy();
    },
  },
  {
    name: 'AWS RDS',
    operation: 'DescribeDBInstances',
    start: async () => {
      const rds = await startAwsRdsEmulator();
      return { url: rds.url, callLog: () => rds.callLog(), counts: () => rds.callCounts(), resetCalls: () => rds.resetCalls(), close: () => rds.close() };
    },
    call: async ({ url }) => {
      const client = new RDSClient(awsConfig(url));
      await client.send(new DescribeDBInstancesCommand({}));
      client.destroy();
    },
  },
  {
    name: 'AWS Lambda',
    operation: 'GetFunction',
    start: async () => {
      const lambda = await startAwsLambdaEmulator();
      lambda.addFunction('rotator', () => undefined);
      return {
        url: lambda.url,
        callLog: () => lambda.callLog(),
        counts: () => lambda.callCounts(),
        resetCalls: () => lambda.resetCalls(),
        close: () => lambda.close(),
      };
    },
    call: async ({ url }) => {
      const client = new LambdaClient(awsConfig(url));
      await client.send(new GetFunctionCommand({ FunctionName: 'rotator' }));
      client.destroy();
    },
  },
  {
    name: 'Alibaba Cloud KMS',
    operation: 'GetSecretValue',
    start: async () => {
      const kms = await startAlibabaKmsEmulator();
      return { url: kms.url, callLog: () => kms.callLog(), counts: () => kms.calls(), resetCalls: () => kms.resetCalls(), close: () => kms.close() };
    },
    call: ({ url }) => fetch(`${url}/?Action=GetSecretValue&SecretName=missing`, { method: 'POST' }),
  },
  {
    name: 'Alibaba Cloud RDS',
    operation: 'DescribeAccounts',
    start: async () => {
      const rds = await startAlibabaRdsEmulator();
      return { url: rds.url, callLog: () => rds.callLog(), counts: () => rds.calls(), resetCalls: () => rds.resetCalls(), close: () => rds.close() };
    },
    call: ({ url }) => fetch(`${url}/?Action=DescribeAccounts&DBInstanceId=rm-missing`, { method: 'POST' }),
  },
  {
    name: 'NAVER Cloud Secret Manager',
    operation: 'getSecret',
    start: async () => {
      const ncloud = await startNcloudSecretManagerEmulator();
      return {
        url: ncloud.url,
        callLog: () => ncloud.callLog(),
        counts: () => ncloud.calls(),
        resetCalls: () => ncloud.resetCalls(),
        close: () => ncloud.close(),
      };
    },
    // Unsigned: the gateway refuses it, and still counts it.
    call: ({ url }) => fetch(`${url}/api/v1/secrets/missing`),
  },
];

describe.each(emulators)('the $name emulator', ({ operation, start, call }) => {
  it('forgets its call counts and call log with resetCalls(), and over DELETE /_rotakit/calls', async () => {
    const emulator = await start();
    try {
      await call(emulator);
      await call(emulator);
      expect(emulator.callLog()).toEqual([operation, operation]);
      expect(emulator.counts()).toEqual({ [operation]: 2 });
      emulator.resetCalls();
      expect(emulator.callLog()).toEqual([]);
      expect(emulator.counts()).toEqual({});
      await call(emulator);
      expect(emulator.callLog()).toEqual([operation]);
      const reset = await fetch(`${emulator.url}/_rotakit/calls`, { method: 'DELETE' });
      expect(reset.status).toBe(200);
      expect(emulator.callLog()).toEqual([]);
      expect(await (await fetch(`${emulator.url}/_rotakit/calls`)).json()).toEqual({});
    } finally {
      await emulator.close();
    }
  });
});
