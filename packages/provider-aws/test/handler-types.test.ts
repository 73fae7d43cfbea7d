// The handler's types fit @types/aws-lambda as a user writes them: `pnpm typecheck` compiles this
// file, and the test runs the assignments it checks.
import type { SecretsManagerRotationEvent, SecretsManagerRotationHandler } from 'aws-lambda';
import { MemoryTarget, singleUser, type StepResult } from '@rotakit/core';
import { describe, expect, it } from 'vitest';
import { createRotationHandler, type RotationHandlerEvent } from '../src/index.js';

describe('the handler type', () => {
  it("is a SecretsManagerRotationHandler, takes RotationToken, and resolves to the step's result", () => {
    const handler = createRotationHandler({
      target: new MemoryTarget({ tls: 'disable' }),
      strategy: singleUser(),
      secretsManager: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
    });
    const asLambda: SecretsManagerRotationHandler = handler;
    const event: RotationHandlerEvent = { Step: 'createSecret', SecretId: 'arn', ClientRequestToken: 't', RotationToken: 'r' };
    const plain: SecretsManagerRotationEvent = event;
    const result: (event: RotationHandlerEvent) => Promise<StepResult> = handler;
    expect([asLambda, result].every((fn) => typeof fn === 'function')).toBe(true);
    expect(plain.Step).toBe('createSecret');
  });
});
