import * as openApiCore from '@alicloud/openapi-core';
import * as rdsSdk from '@alicloud/rds20140815';
import { RetryOptions } from '@darabonba/typescript';
import { commonConfig, defaultClass, type AlibabaClientOptions } from '../client.js';

// The RDS SDK lives here, not in ../client.ts: it is CommonJS, so a bundler keeps every module that
// imports it, and a KMS-only function must not carry its 2.76 MB (minified).

/** The RDS client of `@alicloud/rds20140815`. */
export type RdsClient = InstanceType<typeof rdsSdk.default.default>;

/**
 * Builds an RDS client (`@alicloud/rds20140815`, ACS3 signatures) whose own retry machinery retries
 * throttling and server errors with jittered exponential backoff.
 */
export function createRdsClient(options: AlibabaClientOptions): RdsClient {
  const Rds = defaultClass<typeof rdsSdk.default.default>(rdsSdk);
  const config = new openApiCore.$OpenApiUtil.Config({
    ...commonConfig(options),
    retryOptions: new RetryOptions({
      retryable: true,
      retryCondition: [
        {
          maxAttempts: 3,
          exception: ['ThrottlingError', 'ServerError'],
          errorCode: [],
          // The delay ceiling is 2^(attempt × period) ms: about 0.25 s, then the 3 s cap.
          backoff: { policy: 'ExponentialWithEqualJitter', period: 8, cap: 3000 },
        },
      ],
      noRetryCondition: [],
    }),
  });
  return new Rds(config);
}
