import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { DEMO_CUSTOMERS, DEPLOYED_CONTRACTS, IDENTITY_CONTRACT, SERVICE_MEMORY_LIMIT_MI, serviceNodeOptions, type DeployedContract, type ServiceContract } from '@orders/contracts';
import { adminDb as admin, kafkaUser, testDbServer, waitFor } from '@orders/testing';
import { settingsOf } from '@orders/platform';
import { commonSettings, seededServiceSettings } from '@orders/runtime';
import { orderSettings } from '@orders/order-service/config';
import { identitySettings } from '@orders/identity-service/config';
import { loginWithPassword } from '@orders/identity-service/login';
import { REPO_ROOT } from '../src/paths.js';
import { kubeObjects } from './cluster/objects.js';
import { podsOf } from './cluster/pods.js';
import { ofType } from './support/mocks.js';
import { runVariant, type Variant } from './support/program.js';

const ENV_KEYS: Record<ServiceContract['name'] | 'identity', string[]> = {
  order: settingsOf({ ...commonSettings, ...orderSettings }).map((s) => s.env),
  payment: settingsOf({ ...commonSettings, ...seededServiceSettings }).map((s) => s.env),
  inventory: settingsOf({ ...commonSettings, ...seededServiceSettings }).map((s) => s.env),
  identity: settingsOf(identitySettings).map((s) => s.env),
};
/** Read by Node itself: the heap cap the pods run with (a test below runs `start` with it). */
const RUNTIME_KEYS = ['NODE_OPTIONS'];
const DEPLOYED: DeployedContract[] = Object.values(DEPLOYED_CONTRACTS);
const name = (contract: DeployedContract) => contract.name as keyof typeof ENV_KEYS;

/**
 * The environment a container of a workload starts with, as the kubelet computes it (the
 * cluster model): ConfigMaps and Secrets, literal and `$(VAR)`-expanded values, downward
 * API fields, and the variables Kubernetes adds for Services.
 */
function containerEnv(variant: Variant, workloadName: string, init = false): { env: Record<string, string>; fromServices: string[]; container: any } {
  const objects = kubeObjects(variant.resources);
  const workload = objects.find((o) => ['Deployment', 'Job', 'StatefulSet'].includes(o.kind) && o.name === workloadName);
  if (!workload) throw new Error(`no workload ${workloadName}`);
  const c = podsOf(objects, workload)[0]!.containers.find((x) => x.init === init)!;
  return { ...c.environment, container: c.container };
}

/**
 * The in-cluster names mapped to the local infrastructure, the Kafka user's password to the
 * local broker's for the same user, plus what isolates this run: a fresh database and a
 * Kafka topic prefix of its own. Nothing else is changed.
 */
function onLoopback(env: Record<string, string>, database: string, prefix: string): NodeJS.ProcessEnv {
  return {
    ...env,
    ...(env.DB_HOST ? { DB_HOST: testDbServer.host, DB_PORT: String(testDbServer.port), DB_USER: testDbServer.user, DB_NAME: database } : {}),
    ...(env.KAFKA_SASL_USERNAME ? { KAFKA_SASL_PASSWORD: kafkaUser(env.KAFKA_SASL_USERNAME).saslPassword } : {}),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    KAFKA_TOPIC_PREFIX: prefix,
    PATH: process.env.PATH,
  };
}

/** `node services/x/dist/src/main.js cmd` inside the image (workdir /app) is the same file here. */
function localCommand(command: string[]): [string, string[]] {
  expect(command[0]).to.equal('node');
  return [process.execPath, [path.join(REPO_ROOT, command[1]!), ...command.slice(2)]];
}

describe('deployment contract: each container command, run here with the environment the kubelet gives it', function () {
  this.timeout(120000);
  let variant: Variant;
  const prefix = `contract_${randomUUID().slice(0, 8)}.`;
  const databases: string[] = [];

  before(async function () {
    variant = await runVariant('kind', 'zookeeper');
  });

  after(async function () {
    const db = admin();
    for (const name of databases) await db.raw(`drop database if exists ${name} with (force)`);
    await db.destroy();
  });

  it('gives each service only variables its code reads, with its port, database and password', function () {
    for (const contract of DEPLOYED) {
      const { env, fromServices } = containerEnv(variant, contract.serviceName);
      const declared = Object.keys(env).filter((k) => !fromServices.includes(k) && !RUNTIME_KEYS.includes(k));
      expect(env.NODE_OPTIONS, contract.name).to.equal(serviceNodeOptions(SERVICE_MEMORY_LIMIT_MI));
      expect(declared.filter((k) => !ENV_KEYS[name(contract)].includes(k)), contract.name).to.deep.equal([]);
      expect(env.HTTP_PORT).to.equal(String(contract.httpPort));
      expect(env.DB_NAME).to.equal(contract.database);
      expect(env.DB_PASSWORD).to.be.a('string').with.length.above(10);
      // Tokens name the issuer as browsers reach it (its NodePort on kind's 127.0.0.1).
      expect(env.AUTH_ISSUER, contract.name).to.equal('http://127.0.0.1:31004');
      // The audience the issuer signs is the one the services accept (one stack setting, authAudience).
      expect(env.AUTH_AUDIENCE, contract.name).to.equal('urn:orders:api');
      if (contract === IDENTITY_CONTRACT) {
        expect(env.KAFKA_SASL_USERNAME, 'the identity service uses no Kafka').to.equal(undefined);
        expect(env.IDENTITY_CONSOLE_URLS).to.include('http://127.0.0.1:30001/console/');
        continue;
      }
      expect(env.KAFKA_SASL_USERNAME, `${contract.name}: its own Kafka user`).to.equal(contract.serviceName);
      expect(env.KAFKA_SASL_PASSWORD).to.be.a('string').with.length.above(10);
      // The issuer's keys come from inside the cluster.
      expect(env.AUTH_JWKS_URL).to.equal('http://identity-service.identity.svc.cluster.local:3004/jwks');
    }
  });

  it('the topic Job creates the topics', async function () {
    const job = ofType(variant.resources, 'kubernetes:batch/v1:Job').find((j) => j.inputs.metadata.name.startsWith('kafka-topics-'))!;
    const { env, fromServices, container } = containerEnv(variant, job.inputs.metadata.name);
    expect(Object.keys(env).filter((k) => !fromServices.includes(k) && !ENV_KEYS.order.includes(k))).to.deep.equal([]);
    expect(env.KAFKA_SASL_USERNAME, 'the admin user: it creates the topics and the ACLs').to.equal('admin');
    const [bin, args] = localCommand(container.command);
    const result = spawnSync(bin, args, { env: onLoopback(env, '', prefix), encoding: 'utf8', timeout: 60000 });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/topics (created|exist)/);
    expect(result.stdout).to.include('ACLs in place');
  });

  for (const contract of DEPLOYED) {
    it(`${contract.name}: the migration Job migrates, the Deployment starts and answers its probes on its port`, async function () {
      const database = `contract_${randomUUID().replaceAll('-', '').slice(0, 12)}_${contract.name}`;
      const db = admin();
      await db.raw(`create database ${database}`);
      await db.destroy();
      databases.push(database);

      const job = ofType(variant.resources, 'kubernetes:batch/v1:Job').find((j) => j.inputs.metadata.name.startsWith(`${contract.serviceName}-migrate-`))!;
      const migrate = containerEnv(variant, job.inputs.metadata.name);
      const [migrateBin, migrateArgs] = localCommand(migrate.container.command);
      const migrated = spawnSync(migrateBin, migrateArgs, {
        env: onLoopback(migrate.env, database, prefix),
        encoding: 'utf8',
        timeout: 60000,
      });
      expect(migrated.status, migrated.stderr).to.equal(0);
      expect(migrated.stdout).to.include('migrations applied');

      const started = containerEnv(variant, contract.serviceName);
      const { container } = started;
      const [bin, args] = localCommand(container.command);
      // The issuer's NodePort is its container port here.
      const issuer = `http://127.0.0.1:${IDENTITY_CONTRACT.httpPort}`;
      const env = { ...onLoopback(started.env, database, prefix), ...(contract === IDENTITY_CONTRACT ? { AUTH_ISSUER: issuer } : {}) };
      const child: ChildProcess = spawn(bin, args, { env, stdio: 'ignore' });
      try {
        const port = container.ports[0].containerPort;
        const probe = (p: any) => `http://127.0.0.1:${port}${p.httpGet.path}`;
        await waitFor(
          'readiness probe',
          async () => {
            if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
            return fetch(probe(container.readinessProbe)).then((r) => r.status === 200, () => false);
          },
          30000,
          200,
        );
        expect((await fetch(probe(container.livenessProbe))).status).to.equal(200);
        expect((await fetch(probe(container.startupProbe))).status).to.equal(200);
        expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).to.equal(200);
        if (contract === IDENTITY_CONTRACT) {
          // The migration set the passwords of the Secret it was given: the operator and the demo customers sign in.
          const token = await loginWithPassword(issuer, 'operator', migrate.env.IDENTITY_OPERATOR_PASSWORD!);
          expect(token.token.split('.')).to.have.length(3);
          for (const customer of DEMO_CUSTOMERS) await loginWithPassword(issuer, customer, migrate.env.IDENTITY_DEMO_PASSWORD!);
        }
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        expect(await exited).to.equal(0);
      }
    });
  }
});
