import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { localTopology } from './local.js';
import { ensureUserFiles } from './users.js';
import { kraftClusterId, renderKafkaFiles, type KafkaMode } from './render.js';

/**
 * scripts/infra.sh's way into the renderer:
 *   cli.js local --mode zookeeper|kraft --out DIR --data DIR --client-port N --internal-port N --controller-port N --zookeeper-port N
 *       writes server.properties (and zookeeper.properties) for the local node into DIR
 *   cli.js cluster-id KEY
 *       prints the KRaft cluster id for KEY
 *   cli.js users DIR
 *       makes the missing Kafka user files (name: password) in DIR
 */
function main(argv: string[]): void {
  const [command, ...rest] = argv;
  if (command === 'cluster-id' && rest.length === 1) {
    process.stdout.write(`${kraftClusterId(rest[0]!)}\n`);
    return;
  }
  if (command === 'users' && rest.length === 1) {
    const made = ensureUserFiles(rest[0]!);
    if (made.length > 0) process.stderr.write(`made the Kafka users ${made.join(', ')} in ${rest[0]}\n`);
    return;
  }
  if (command !== 'local') usage();
  const { values } = parseArgs({
    args: rest,
    options: {
      mode: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string' },
      'client-port': { type: 'string' },
      'controller-port': { type: 'string' },
      'internal-port': { type: 'string' },
      'zookeeper-port': { type: 'string' },
    },
  });
  const mode = values.mode as KafkaMode;
  if (mode !== 'zookeeper' && mode !== 'kraft') usage();
  if (!values.out || !values.data) usage();
  const port = (name: 'client-port' | 'controller-port' | 'internal-port' | 'zookeeper-port') => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1 || value > 65535) usage();
    return value;
  };
  const files = renderKafkaFiles(
    localTopology({
      mode,
      dataDir: values.data!,
      ports: { client: port('client-port'), internal: port('internal-port'), controller: port('controller-port'), zookeeper: port('zookeeper-port') },
    }),
  );
  mkdirSync(values.out!, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(values.out!, name), text);
}

function usage(): never {
  process.stderr.write(
    'usage: cli.js local --mode zookeeper|kraft --out DIR --data DIR --client-port N --internal-port N --controller-port N --zookeeper-port N\n' +
      '       cli.js cluster-id KEY\n' +
      '       cli.js users DIR\n',
  );
  process.exit(2);
}

main(process.argv.slice(2));
