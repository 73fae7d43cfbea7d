import { defineCredentialSchema, type CredentialSchema, type Credentials } from '@rotakit/core';
import { alibabaSchema } from '../conventions.js';
import { InvalidEventError } from '../errors.js';
import type { FcHandlerOptions, FcInvocation } from '../handler.js';
import { RdsAccountTarget, rdsDualAccount, type RdsDualAccountOptions, type RdsEngine } from './target.js';
import { endpointFromEnvironment } from '../client.js';
import { createRdsClient, type RdsClient } from './client.js';

/**
 * Alibaba's secret convention for an RDS account driven through the account API: only
 * `AccountName` and `AccountPassword` are required (no database login is made, so `Endpoint` may be
 * absent); every other key is kept as written.
 */
export const alibabaRdsApiSchema: CredentialSchema = defineCredentialSchema({
  name: 'alibaba-rds-api',
  fields: alibabaSchema.fields,
  ...(alibabaSchema.alternateSuffix === undefined ? {} : { alternateSuffix: alibabaSchema.alternateSuffix }),
  required: ['username', 'password'],
});

/** Options of {@link rdsAccountApi}. */
export interface RdsAccountApiOptions extends RdsDualAccountOptions {
  /**
   * Pins the RDS instance. Without it the event's `InstanceId` names the instance; with it an event
   * naming another instance is refused, so that no event can point the function elsewhere.
   */
  readonly dbInstanceId?: string;
  readonly engine?: RdsEngine;
  readonly maxUsernameLength?: number;
  /** RDS endpoint, a `host[:port]`; default `ALIBABA_CLOUD_RDS_ENDPOINT`, else `rds.aliyuncs.com`. */
  readonly endpoint?: string | ((regionId: string) => string);
  /**
   * `https` (default); `http` only for a local emulator. Without it, an `ALIBABA_CLOUD_RDS_ENDPOINT`
   * written as a URL picks the protocol by its scheme.
   */
  readonly protocol?: 'https' | 'http';
}

/**
 * The handler options of scenario 1, rotating an ApsaraDB RDS account pair through the RDS account
 * API: spread them into `createFcHandler`. The instance id comes from the event's `InstanceId`
 * (the schedule payload carries it) or from `dbInstanceId`; one RDS client per endpoint lives as
 * long as the container, signed with the invocation's STS credentials. Without an `endpoint`
 * option, `ALIBABA_CLOUD_RDS_ENDPOINT` is read here (a malformed value throws InvalidOptionsError).
 */
export function rdsAccountApi(options: RdsAccountApiOptions = {}): Pick<FcHandlerOptions, 'target' | 'strategy' | 'schema'> {
  const fromEnvironment = options.endpoint === undefined ? endpointFromEnvironment('ALIBABA_CLOUD_RDS_ENDPOINT') : undefined;
  const protocol = options.protocol ?? fromEnvironment?.protocol ?? 'https';
  const clients = new Map<string, RdsClient>();
  const clientFor = (invocation: FcInvocation): RdsClient => {
    const regionId = invocation.event.RegionId;
    const endpoint =
      typeof options.endpoint === 'function'
        ? options.endpoint(regionId)
        : (options.endpoint ?? fromEnvironment?.endpoint ?? 'rds.aliyuncs.com');
    let client = clients.get(endpoint);
    if (!client) {
      client = createRdsClient({ endpoint, regionId, credentials: invocation.credential, protocol });
      clients.set(endpoint, client);
    }
    return client;
  };
  // The instance comes from the invocation; the account API needs nothing of the current credentials.
  const targetFor = (_current: Credentials, invocation: FcInvocation): RdsAccountTarget => {
    const fromEvent = invocation.event.InstanceId;
    if (options.dbInstanceId !== undefined && fromEvent !== undefined && fromEvent !== options.dbInstanceId) {
      throw new InvalidEventError('InstanceId names another instance than the function is configured for', {
        field: 'InstanceId',
      });
    }
    const dbInstanceId = options.dbInstanceId ?? fromEvent;
    if (dbInstanceId === undefined) {
      throw new InvalidEventError('InstanceId is missing from the event and no dbInstanceId is configured', {
        field: 'InstanceId',
      });
    }
    return new RdsAccountTarget({
      client: clientFor(invocation),
      dbInstanceId,
      ...(options.engine === undefined ? {} : { engine: options.engine }),
      ...(options.maxUsernameLength === undefined ? {} : { maxUsernameLength: options.maxUsernameLength }),
    });
  };
  return {
    target: targetFor,
    strategy: rdsDualAccount(options.suffix === undefined ? {} : { suffix: options.suffix }),
    schema: alibabaRdsApiSchema,
  };
}
