import { randomUUID } from 'node:crypto';
import type { EmulatorProtocol, EmulatorRequest, EmulatorResponse } from '../http.js';
import { KmsError } from '../alibaba/errors.js';
import { errorBody as alibabaErrorBody, header, json, parse } from '../alibaba/protocol.js';
import { type AlibabaCredentials, verifySignature } from '../alibaba/signature.js';
import { type Instance, PRIVILEGE_DETAILS, RdsAccounts, rdsError, type RdsEmulatorState, type RdsErrorCode, type AlibabaRdsInstanceSeed } from './accounts.js';

const API_VERSION = '2014-08-15';

/** The RDS actions the emulator answers: the account calls, and DescribeDBInstances. */
export const RDS_ACTIONS = [
  'DescribeDBInstances',
  'DescribeAccounts',
  'CreateAccount',
  'ResetAccountPassword',
  'GrantAccountPrivilege',
  'RevokeAccountPrivilege',
] as const;

/** One of {@link RDS_ACTIONS}. */
export type RdsAction = (typeof RDS_ACTIONS)[number];

/**
 * The RDS API as `@alicloud/rds20140815` speaks it: `POST /` with the action in `x-acs-action`,
 * the parameters in the query (or a form body), ACS3-HMAC-SHA256 signatures, PascalCase JSON answers.
 */
export class AlibabaRdsProtocol implements EmulatorProtocol {
  readonly accounts = new RdsAccounts();
  readonly #credentials: AlibabaCredentials | undefined;

  constructor(credentials: AlibabaCredentials | undefined) {
    this.#credentials = credentials;
  }

  operationOf(request: EmulatorRequest): string | undefined {
    return parse(request).action;
  }

  handle(request: EmulatorRequest): EmulatorResponse {
    try {
      const { action, params, query, path } = parse(request);
      if (this.#credentials) verifySignature({ ...request, path, query, params }, this.#credentials);
      const version = params['Version'] ?? header(request, 'x-acs-version');
      if (version !== undefined && version !== API_VERSION) throw rdsError('InvalidParameter');
      if (!(RDS_ACTIONS as readonly (string | undefined)[]).includes(action)) throw rdsError('InvalidAction.NotFound');
      return json(200, { RequestId: randomUUID(), ...this.#run(action as RdsAction, params) });
    } catch (error) {
      if (error instanceof KmsError) return errorBody(error);
      process.emitWarning(`Alibaba RDS emulator bug: ${error instanceof Error ? error.message : String(error)}`);
      return errorBody(rdsError('InternalError'));
    }
  }

  throttleResponse(): EmulatorResponse {
    return errorBody(rdsError('Throttling.User'));
  }

  errorResponse(): EmulatorResponse {
    return errorBody(rdsError('InternalError'));
  }

  /** The RDS error answer for `code`. */
  errorResponseFor(code: RdsErrorCode): EmulatorResponse {
    return errorBody(rdsError(code));
  }

  snapshot(): RdsEmulatorState {
    return this.accounts.snapshot();
  }

  seed(input: unknown): void {
    const seeds = Array.isArray(input) ? input : (input as { instances?: unknown } | null)?.instances;
    if (!Array.isArray(seeds)) throw new Error('seed body must be a list of instances or {instances: [...]}');
    this.accounts.seed(seeds as AlibabaRdsInstanceSeed[]);
  }

  #run(action: RdsAction, params: Record<string, string>): Record<string, unknown> {
    const required = (name: string): string => {
      const value = params[name];
      if (value === undefined || value === '') throw new KmsError(`Missing${name}`, 400, `${name} is mandatory for this action.`);
      return value;
    };
    if (action === 'DescribeDBInstances') return describeInstances(this.accounts.instances(), params, required('RegionId'));
    const instance = this.accounts.instance(required('DBInstanceId'));
    const list = (name: string): string[] => required(name).split(',').map((item) => item.trim());
    switch (action) {
      case 'DescribeAccounts': {
        const name = params['AccountName'];
        const pageSize = Number(params['PageSize'] ?? 30);
        const pageNumber = Number(params['PageNumber'] ?? 1);
        if (!Number.isInteger(pageSize) || pageSize < 30 || pageSize > 200 || !Number.isInteger(pageNumber) || pageNumber < 1) {
          throw rdsError('InvalidParameter');
        }
        const all = [...instance.accounts.values()].filter((account) => !name || account.name === name);
        const page = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
        return {
          PageNumber: pageNumber,
          TotalRecordCount: all.length,
          Accounts: {
            DBInstanceAccount: page.map((account) => ({
              DBInstanceId: instance.id,
              AccountName: account.name,
              AccountStatus: account.status,
              AccountType: account.type,
              AccountDescription: account.description,
              PrivExceeded: '0',
              DatabasePrivileges: {
                DatabasePrivilege: Object.entries(account.privileges).map(([db, privilege]) => ({
                  DBName: db,
                  AccountPrivilege: privilege,
                  AccountPrivilegeDetail: PRIVILEGE_DETAILS[privilege] ?? 'SELECT',
                })),
              },
            })),
          },
        };
      }
      case 'CreateAccount':
        this.accounts.create(instance, {
          name: required('AccountName'),
          password: required('AccountPassword'),
          type: params['AccountType'] || 'Normal',
          description: params['AccountDescription'] ?? '',
        });
        return {};
      case 'ResetAccountPassword':
        this.accounts.resetPassword(instance, required('AccountName'), required('AccountPassword'));
        return {};
      case 'GrantAccountPrivilege':
        this.accounts.grant(instance, required('AccountName'), list('DBName'), list('AccountPrivilege'));
        return {};
      case 'RevokeAccountPrivilege':
        this.accounts.revoke(instance, required('AccountName'), list('DBName'));
        return {};
    }
  }
}

/**
 * DescribeDBInstances: the region's instances, narrowed by `DBInstanceId` (comma-separated),
 * `ConnectionString`, `Engine`, `DBInstanceStatus` and `DBInstanceType`, paged by `PageSize`
 * (1 to 100, default 30) and `PageNumber`, each in `Items.DBInstance[]` with its role, primary and
 * read-only instances.
 */
function describeInstances(all: readonly Instance[], params: Record<string, string>, regionId: string): Record<string, unknown> {
  const pageSize = Number(params['PageSize'] ?? 30);
  const pageNumber = Number(params['PageNumber'] ?? 1);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100 || !Number.isInteger(pageNumber) || pageNumber < 1) {
    throw rdsError('InvalidParameter');
  }
  const ids = params['DBInstanceId']?.split(',').map((id) => id.trim()).filter((id) => id !== '');
  const filters: Array<[string | undefined, (instance: Instance) => string]> = [
    [params['ConnectionString'], (instance) => instance.connectionString],
    [params['Engine'], (instance) => instance.engine],
    [params['DBInstanceStatus'], (instance) => instance.status],
    [params['DBInstanceType'], (instance) => instance.role],
  ];
  const matching = all.filter(
    (instance) =>
      instance.regionId === regionId &&
      (ids === undefined || ids.length === 0 || ids.includes(instance.id)) &&
      filters.every(([wanted, field]) => wanted === undefined || wanted === '' || field(instance) === wanted),
  );
  const page = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return {
    PageNumber: pageNumber,
    PageRecordCount: page.length,
    TotalRecordCount: matching.length,
    Items: {
      DBInstance: page.map((instance) => ({
        DBInstanceId: instance.id,
        DBInstanceDescription: instance.description,
        RegionId: instance.regionId,
        ZoneId: instance.zoneId,
        Engine: instance.engine,
        EngineVersion: instance.engineVersion,
        DBInstanceStatus: instance.status,
        DBInstanceType: instance.role,
        ...(instance.masterInstanceId === undefined ? {} : { MasterInstanceId: instance.masterInstanceId }),
        ReadOnlyDBInstanceIds: {
          ReadOnlyDBInstanceId: all
            .filter((other) => other.role === 'Readonly' && other.masterInstanceId === instance.id)
            .map((other) => ({ DBInstanceId: other.id })),
        },
        ConnectionString: instance.connectionString,
        CreateTime: instance.createTime,
        DBInstanceNetType: 'Intranet',
        InstanceNetworkType: 'VPC',
        LockMode: 'Unlock',
        PayType: 'Postpaid',
      })),
    },
  };
}

function errorBody(error: KmsError): EmulatorResponse {
  return alibabaErrorBody(error, 'rds.aliyuncs.com', 'Rds');
}
