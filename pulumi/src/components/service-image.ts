import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as command from '@pulumi/command';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { DeployedContract } from '@orders/contracts';
import { REPO_ROOT } from '../paths.js';
import type { Settings } from '../settings/stack-settings.js';

const SKIP = new Set(['node_modules', 'dist', 'test', '.cache']);

function addTree(hash: ReturnType<typeof createHash>, dir: string): void {
  for (const entry of readdirSync(dir).sort()) {
    if (SKIP.has(entry) || entry.endsWith('.tsbuildinfo')) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) addTree(hash, full);
    else hash.update(path.relative(REPO_ROOT, full)).update('\0').update(readFileSync(full)).update('\0');
  }
}

/** A tag from the content of everything the image is built from: a code change means a new tag and a rollout. */
export function contentTag(service: DeployedContract, nodeImage: string): string {
  const hash = createHash('sha256').update(nodeImage);
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', service.dockerfile]) hash.update(readFileSync(path.join(REPO_ROOT, file)));
  addTree(hash, path.join(REPO_ROOT, 'shared'));
  addTree(hash, path.join(REPO_ROOT, 'services', service.name));
  return hash.digest('hex').slice(0, 16);
}

export interface ServiceImageArgs {
  service: DeployedContract;
  settings: Pick<Settings, 'clusterFlavour' | 'kindClusterName' | 'minikubeProfile' | 'imageRegistry' | 'nodeImage'>;
  /** Changes when the cluster is a new one (e.g. after `kind delete cluster`): the image is loaded again. */
  clusterIdentity: pulumi.Input<string>;
}

/**
 * Builds a service image from its Dockerfile and makes it available to the cluster:
 * scripts/lib/load-image.sh for kind and minikube (again whenever the image or the
 * cluster is new), or a push to the registry.
 */
export class ServiceImage extends pulumi.ComponentResource {
  /** The reference pods use. */
  readonly ref: pulumi.Output<string>;
  /** Local images are never pulled from a remote registry. */
  readonly pullPolicy: 'Never' | 'IfNotPresent';
  readonly tag: string;
  /** Done once the cluster can run the image. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:build:ServiceImage', name, {}, opts);
    const { service, settings } = args;
    this.tag = contentTag(service, settings.nodeImage);
    const repository =
      settings.clusterFlavour === 'registry'
        ? `${settings.imageRegistry}/orders-${service.name}-service`
        : `orders/${service.name}-service`;
    const image = new docker.Image(
      name,
      {
        imageName: `${repository}:${this.tag}`,
        build: {
          context: REPO_ROOT,
          dockerfile: path.join(REPO_ROOT, service.dockerfile),
          args: { NODE_IMAGE: settings.nodeImage, SERVICE: service.name },
        },
        skipPush: settings.clusterFlavour !== 'registry',
      },
      { parent: this },
    );
    this.pullPolicy = settings.clusterFlavour === 'registry' ? 'IfNotPresent' : 'Never';

    if (settings.clusterFlavour === 'registry') {
      this.ref = image.repoDigest.apply((digest) => digest || `${repository}:${this.tag}`);
      this.ready = image;
    } else {
      const target = settings.clusterFlavour === 'kind' ? settings.kindClusterName : settings.minikubeProfile;
      this.ready = new command.local.Command(
        `${name}-load`,
        {
          create: pulumi.interpolate`bash scripts/lib/load-image.sh ${settings.clusterFlavour} ${image.imageName} ${target}`,
          dir: REPO_ROOT,
          triggers: [this.tag, args.clusterIdentity],
        },
        { parent: this, dependsOn: [image] },
      );
      this.ref = image.imageName;
    }
    this.registerOutputs({ ref: this.ref });
  }
}
