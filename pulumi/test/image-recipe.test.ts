import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { COMMAND_DEPENDENCIES, IDENTITY_CONTRACT, SERVICE_CONTRACTS, type ServiceCommand } from '@orders/contracts';
import { adminDb, kafkaUser, testDbServer } from '@orders/testing';
import { REPO_ROOT } from '../src/paths.js';
import { replayDockerfile, type ReplayedImage } from './support/dockerfile.js';

/**
 * The one service Dockerfile, its build replayed here stage by stage (no container engine
 * here): the final stage must hold only the compiled code and production packages, and the
 * image's own commands must run from it.
 */
describe('service image recipe (services/Dockerfile, replayed without a container engine)', function () {
  this.timeout(600000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'image-recipe-'));
  const databases: string[] = [];

  /** A new database on the local server, dropped after the suite; the image's commands get its variables. */
  async function databaseEnv(): Promise<Record<string, string>> {
    const database = `recipe_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const db = adminDb();
    await db.raw(`create database ${database}`);
    await db.destroy();
    databases.push(database);
    return {
      DB_HOST: testDbServer.host,
      DB_PORT: String(testDbServer.port),
      DB_USER: testDbServer.user,
      DB_PASSWORD: testDbServer.password,
      DB_NAME: database,
    };
  }

  after(async function () {
    rmSync(scratch, { recursive: true, force: true });
    const db = adminDb();
    for (const name of databases) await db.raw(`drop database if exists ${name} with (force)`);
    await db.destroy();
  });

  for (const contract of Object.values(SERVICE_CONTRACTS)) {
    it(`${contract.name}: builds from SERVICE=${contract.name}; its image runs migrate and topics`, async function () {
      const image: ReplayedImage = replayDockerfile(
        path.join(REPO_ROOT, contract.dockerfile),
        REPO_ROOT,
        { SERVICE: contract.name, NODE_IMAGE: 'node:24-bookworm-slim' },
        path.join(scratch, contract.name),
        // Would empty this machine's npm cache; in the image it only makes the layer smaller.
        [/npm cache clean --force/],
      );
      expect(readdirSync(image.dir).sort()).to.deep.equal(['node_modules', 'package.json', 'services', 'shared']);
      // The shared packages a service runs on, not the tests' own.
      expect(readdirSync(path.join(image.dir, 'shared')).sort()).to.deep.equal(['contracts', 'db', 'messaging', 'platform', 'runtime']);
      expect(readdirSync(path.join(image.dir, 'services'))).to.deep.equal([contract.name]);
      // The order service serves its console from the build beside its code.
      const consoleIndex = path.join(image.dir, 'services', contract.name, 'dist', 'src', 'console', 'index.html');
      expect(existsSync(consoleIndex), 'the order console is in the image').to.equal(contract.name === 'order');
      expect(readdirSync(path.join(image.dir, 'node_modules')), 'no build tools').to.not.include.members(['typescript', 'mocha', '@pulumi']);
      expect(image.user).to.equal('node');
      expect(image.env.SERVICE).to.equal(contract.name);

      const env = {
        PATH: process.env.PATH,
        ...image.env,
        ...(await databaseEnv()),
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
        // As the topic Job: the admin user creates the topics and the ACLs.
        KAFKA_SASL_USERNAME: 'admin',
        KAFKA_SASL_PASSWORD: kafkaUser('admin').saslPassword,
        KAFKA_TOPIC_PREFIX: `recipe_${randomUUID().slice(0, 8)}.`,
      };
      // Each command with what it does not depend on unreachable: the network policies allow only its dependencies.
      const unreachable = { database: { DB_HOST: '127.0.0.1', DB_PORT: '1' }, kafka: { KAFKA_BROKERS: '127.0.0.1:1' } };
      const envFor = (command: ServiceCommand) => ({
        ...env,
        ...Object.assign({}, ...(['database', 'kafka'] as const).filter((d) => !COMMAND_DEPENDENCIES[command].includes(d)).map((d) => unreachable[d])),
      });
      // The pods' command (the contract's entry point) and the image's own ENTRYPOINT.
      const [node, ...entry] = contract.entrypoint;
      const migrate = spawnSync(node === 'node' ? process.execPath : node!, [...entry, 'migrate'], { cwd: image.dir, env: envFor('migrate'), encoding: 'utf8', timeout: 60000 });
      expect(migrate.status, migrate.stderr).to.equal(0);
      expect(migrate.stdout).to.include('migrations applied');
      const [shell, ...script] = image.entrypoint;
      const topics = spawnSync(shell!, [...script, 'topics'], { cwd: image.dir, env: envFor('topics'), encoding: 'utf8', timeout: 60000 });
      expect(topics.status, topics.stderr).to.equal(0);
      expect(topics.stdout).to.match(/topics (created|exist)/);
      expect(image.cmd).to.deep.equal(['start']);
    });
  }

  it('identity: builds from SERVICE=identity with the same Dockerfile; its image runs migrate, which sets the operator login', async function () {
    const contract = IDENTITY_CONTRACT;
    const image = replayDockerfile(
      path.join(REPO_ROOT, contract.dockerfile),
      REPO_ROOT,
      { SERVICE: contract.name, NODE_IMAGE: 'node:24-bookworm-slim' },
      path.join(scratch, contract.name),
      [/npm cache clean --force/],
    );
    expect(readdirSync(path.join(image.dir, 'services'))).to.deep.equal([contract.name]);
    expect(readdirSync(path.join(image.dir, 'node_modules')), 'the OpenID Connect provider, no build tools').to.include('oidc-provider').and.not.include.members(['typescript', 'mocha']);
    const [shell, ...script] = image.entrypoint;
    const migrate = spawnSync(shell!, [...script, 'migrate'], {
      cwd: image.dir,
      env: {
        PATH: process.env.PATH,
        ...image.env,
        ...(await databaseEnv()),
        IDENTITY_OPERATOR_PASSWORD: randomUUID(),
      },
      encoding: 'utf8',
      timeout: 60000,
    });
    expect(migrate.status, migrate.stderr).to.equal(0);
    expect(migrate.stdout).to.include('migrations applied').and.include('operator login set');
  });
});
