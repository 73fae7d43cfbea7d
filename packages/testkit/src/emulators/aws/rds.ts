import { randomUUID } from 'node:crypto';
import type { EmulatorProtocol, EmulatorRequest, EmulatorResponse } from '../http.js';
import { AwsEmulatorBase, checkEmulatorOptions, type AwsEmulatorIdentity } from './base.js';
import { querySignatureError } from './sigv4.js';

/** A DB cluster to seed (Aurora). */
export interface RdsClusterSeed {
  identifier: string;
  /** `aurora-mysql`, `aurora-postgresql`, … */
  engine: string;
  /** Writer endpoint; default `<id>.cluster-<suffix>.<region>.rds.amazonaws.com`. */
  endpoint?: string;
  /** Reader endpoint; default `<id>.cluster-ro-<suffix>.<region>.rds.amazonaws.com`. */
  readerEndpoint?: string;
  port?: number;
  masterUsername?: string;
  databaseName?: string;
  /** Member instances (seed them too, with `clusterIdentifier`). */
  members?: { instanceIdentifier: string; writer: boolean }[];
  /** ARN of the RDS-managed master secret (`ManageMasterUserPassword`). */
  masterUserSecretArn?: string;
}

/** A DB instance to seed. */
export interface RdsInstanceSeed {
  identifier: string;
  /** `mysql`, `mariadb`, `postgres`, `aurora-mysql`, … */
  engine: string;
  /** Endpoint address; default `<id>.<suffix>.<region>.rds.amazonaws.com`. */
  address?: string;
  port?: number;
  masterUsername?: string;
  dbName?: string;
  /** The cluster this instance belongs to (Aurora). */
  clusterIdentifier?: string;
  /** The source instance when this instance is a read replica. */
  readReplicaSourceIdentifier?: string;
  masterUserSecretArn?: string;
}

/** Options of `startAwsRdsEmulator`. */
export interface AwsRdsEmulatorOptions extends AwsEmulatorIdentity {
  port?: number;
  host?: string;
}

interface Cluster extends RdsClusterSeed {
  arn: string;
}

interface Instance extends RdsInstanceSeed {
  arn: string;
}

const NAMESPACE = 'http://rds.amazonaws.com/doc/2014-10-31/';
/** The random part AWS puts in every endpoint of an account and region. */
const ENDPOINT_SUFFIX = 'c0ffee123456';

/** The operations the RDS emulator answers. */
export const RDS_OPERATIONS = ['DescribeDBClusters', 'DescribeDBInstances'] as const;

class RdsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * A local Amazon RDS speaking the awsQuery protocol (form-encoded requests, XML answers) to the
 * unmodified `@aws-sdk/client-rds`, with the two read operations rotation and bootstrap need:
 * DescribeDBClusters and DescribeDBInstances, by identifier or ARN.
 */
export class AwsRdsEmulator extends AwsEmulatorBase {
  readonly #clusters = new Map<string, Cluster>();
  readonly #instances = new Map<string, Instance>();

  /** Use `startAwsRdsEmulator`; the constructor does not listen. */
  constructor(options: Omit<AwsRdsEmulatorOptions, 'port' | 'host'> = {}) {
    checkEmulatorOptions(options, 'the AWS RDS emulator');
    super(options, { service: 'rds', wording: 'query' });
  }

  /** The ARN a cluster of this identifier has. */
  clusterArn(identifier: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:cluster:${identifier}`;
  }

  /** The ARN an instance of this identifier has. */
  instanceArn(identifier: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:db:${identifier}`;
  }

  /** Adds a cluster; returns it with defaults filled in. */
  seedCluster(seed: RdsClusterSeed): Required<Pick<RdsClusterSeed, 'endpoint' | 'readerEndpoint' | 'port'>> & Cluster {
    const cluster = {
      port: defaultPort(seed.engine),
      endpoint: `${seed.identifier}.cluster-${ENDPOINT_SUFFIX}.${this.region}.rds.amazonaws.com`,
      readerEndpoint: `${seed.identifier}.cluster-ro-${ENDPOINT_SUFFIX}.${this.region}.rds.amazonaws.com`,
      ...seed,
      arn: this.clusterArn(seed.identifier),
    };
    this.#clusters.set(seed.identifier, cluster);
    return cluster;
  }

  /** Adds an instance; returns it with defaults filled in. */
  seedInstance(seed: RdsInstanceSeed): Required<Pick<RdsInstanceSeed, 'address' | 'port'>> & Instance {
    const instance = {
      port: defaultPort(seed.engine),
      address: `${seed.identifier}.${ENDPOINT_SUFFIX}.${this.region}.rds.amazonaws.com`,
      ...seed,
      arn: this.instanceArn(seed.identifier),
    };
    this.#instances.set(seed.identifier, instance);
    return instance;
  }

  protected protocol(): EmulatorProtocol {
    return {
      operationOf: (request: EmulatorRequest) => new URLSearchParams(request.body).get('Action') ?? undefined,
      handle: async (request: EmulatorRequest, operation: string | undefined) => {
        const refused = await this.authenticate(request);
        if (refused) {
          const { code, status } = querySignatureError(refused.kind);
          return errorXml(new RdsError(code, refused.message, status));
        }
        try {
          const params = new URLSearchParams(request.body);
          switch (operation) {
            case 'DescribeDBClusters':
              return this.#answer(operation, `<DBClusters>${this.#clustersFor(params).map(clusterXml).join('')}</DBClusters>`);
            case 'DescribeDBInstances':
              return this.#answer(
                operation,
                `<DBInstances>${this.#instancesFor(params).map(instanceXml).join('')}</DBInstances>`,
              );
            default:
              throw new RdsError('InvalidAction', `The action ${operation ?? '(none)'} is not valid for this web service.`, 400);
          }
        } catch (error) {
          if (error instanceof RdsError) return errorXml(error);
          throw error;
        }
      },
      throttleResponse: () => errorXml(new RdsError('Throttling', 'Rate exceeded', 400)),
      errorResponse: () => errorXml(new RdsError('InternalFailure', 'An internal error has occurred.', 500)),
      snapshot: () => ({ clusters: [...this.#clusters.values()], instances: [...this.#instances.values()] }),
    };
  }

  #clustersFor(params: URLSearchParams): Cluster[] {
    const id = params.get('DBClusterIdentifier');
    if (id === null) return [...this.#clusters.values()];
    const cluster = [...this.#clusters.values()].find((c) => c.identifier === id || c.arn === id);
    if (!cluster) throw new RdsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
    return [cluster];
  }

  #instancesFor(params: URLSearchParams): Instance[] {
    const id = params.get('DBInstanceIdentifier');
    if (id === null) return [...this.#instances.values()];
    const instance = [...this.#instances.values()].find((i) => i.identifier === id || i.arn === id);
    if (!instance) throw new RdsError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
    return [instance];
  }

  #answer(operation: string, result: string): EmulatorResponse {
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body:
        `<${operation}Response xmlns="${NAMESPACE}"><${operation}Result>${result}</${operation}Result>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${operation}Response>`,
    };
  }
}

/** Starts an RDS emulator; give its `url` to `RDSClient` as `endpoint`. */
export async function startAwsRdsEmulator(options: AwsRdsEmulatorOptions = {}): Promise<AwsRdsEmulator> {
  const { port, host, ...rest } = options;
  const emulator = new AwsRdsEmulator(rest);
  await emulator.listen(port, host);
  return emulator;
}

function defaultPort(engine: string): number {
  return engine.includes('postgres') ? 5432 : engine.includes('sqlserver') ? 1433 : 3306;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `<name>value</name>` for each defined value, in order. */
function elements(values: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join('');
}

function masterUserSecretXml(arn: string | undefined): string {
  return arn === undefined ? '' : `<MasterUserSecret>${elements({ SecretArn: arn, SecretStatus: 'active' })}</MasterUserSecret>`;
}

function clusterXml(cluster: Cluster): string {
  const members = (cluster.members ?? [])
    .map((m) => `<DBClusterMember>${elements({ DBInstanceIdentifier: m.instanceIdentifier, IsClusterWriter: m.writer })}</DBClusterMember>`)
    .join('');
  return (
    '<DBCluster>' +
    elements({
      DBClusterIdentifier: cluster.identifier,
      DBClusterArn: cluster.arn,
      Engine: cluster.engine,
      Status: 'available',
      Endpoint: cluster.endpoint,
      ReaderEndpoint: cluster.readerEndpoint,
      Port: cluster.port,
      MasterUsername: cluster.masterUsername,
      DatabaseName: cluster.databaseName,
    }) +
    `<DBClusterMembers>${members}</DBClusterMembers>` +
    masterUserSecretXml(cluster.masterUserSecretArn) +
    '</DBCluster>'
  );
}

function instanceXml(instance: Instance): string {
  return (
    '<DBInstance>' +
    elements({
      DBInstanceIdentifier: instance.identifier,
      DBInstanceArn: instance.arn,
      Engine: instance.engine,
      DBInstanceStatus: 'available',
      MasterUsername: instance.masterUsername,
      DBName: instance.dbName,
      DBClusterIdentifier: instance.clusterIdentifier,
      ReadReplicaSourceDBInstanceIdentifier: instance.readReplicaSourceIdentifier,
    }) +
    `<Endpoint>${elements({ Address: instance.address, Port: instance.port })}</Endpoint>` +
    masterUserSecretXml(instance.masterUserSecretArn) +
    '</DBInstance>'
  );
}

function errorXml(error: RdsError): EmulatorResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml' },
    body:
      `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}
