import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rdsReplicaCheck } from '../src/index.js';
import { startAwsWorld, testConfig, type AwsWorld } from './helpers.js';

let world: AwsWorld;
beforeAll(async () => {
  world = await startAwsWorld();
});
afterAll(() => world.close());

const login = (host: string, engine: string) => ({ username: 'u', password: 'p', host, engine });

describe('rdsReplicaCheck', () => {
  it('Aurora: accepts the cluster reader endpoint and reader members of the master cluster, nothing else', async () => {
    const cluster = world.rds.seedCluster({
      identifier: 'orders',
      engine: 'aurora-postgresql',
      members: [
        { instanceIdentifier: 'orders-1', writer: true },
        { instanceIdentifier: 'orders-2', writer: false },
      ],
    });
    const writer = world.rds.seedInstance({ identifier: 'orders-1', engine: 'aurora-postgresql', clusterIdentifier: 'orders' });
    const reader = world.rds.seedInstance({ identifier: 'orders-2', engine: 'aurora-postgresql', clusterIdentifier: 'orders' });
    const stranger = world.rds.seedInstance({ identifier: 'other-1', engine: 'aurora-postgresql' });
    const check = rdsReplicaCheck({ rds: testConfig(world.rds.url) });
    const engine = 'aurora-postgresql';
    // The master named by the cluster's writer endpoint, or by its writer instance's host.
    for (const master of [cluster.endpoint, writer.address]) {
      expect(await check(login(cluster.readerEndpoint, engine), login(master, engine))).toBe(true);
      expect(await check(login(reader.address, engine), login(master, engine))).toBe(true);
      expect(await check(login(writer.address, engine), login(master, engine))).toBe(false);
      expect(await check(login(stranger.address, engine), login(master, engine))).toBe(false);
    }
    expect(await check(login(reader.address, engine), login('unknown.cluster-x.rds.amazonaws.com', engine))).toBe(false);
  });

  it('MySQL, MariaDB, PostgreSQL: the replica\'s source must be the master\'s instance', async () => {
    const main = world.rds.seedInstance({ identifier: 'pg-main', engine: 'postgres' });
    const replica = world.rds.seedInstance({ identifier: 'pg-replica', engine: 'postgres', readReplicaSourceIdentifier: 'pg-main' });
    const crossRegion = world.rds.seedInstance({
      identifier: 'pg-far',
      engine: 'postgres',
      readReplicaSourceIdentifier: world.rds.instanceArn('pg-main'),
    });
    const check = rdsReplicaCheck({ rds: testConfig(world.rds.url) });
    expect(await check(login(replica.address, 'postgres'), login(main.address, 'postgres'))).toBe(true);
    expect(await check(login(crossRegion.address, 'postgres'), login(main.address, 'postgres'))).toBe(true);
    expect(await check(login(main.address, 'postgres'), login(replica.address, 'postgres'))).toBe(false);
    expect(await check(login('nowhere.example', 'postgres'), login(main.address, 'postgres'))).toBe(false);
  });
});
