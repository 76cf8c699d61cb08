/** What each pod of a workload carries: its containers' environment and the config files mounted into it. */
import { commonSettings } from '@orders/runtime';
import { containerEnvironment, type ContainerEnvironment } from './environment.js';
import { containersOf, find, podNamesOf, podSpecOf, type KubeObject } from './objects.js';

export interface ModelContainer {
  container: any;
  init: boolean;
  environment: ContainerEnvironment;
}

export interface ModelPod {
  workload: KubeObject;
  name: string;
  ordinal: number;
  containers: ModelContainer[];
  /** Text of every ConfigMap key mounted into the pod, with @NODE_ID@ put in as start.sh does. */
  mountedFiles: Record<string, string>;
}

export function podsOf(objects: KubeObject[], workload: KubeObject): ModelPod[] {
  const spec = podSpecOf(workload);
  return podNamesOf(workload).map((name, ordinal) => {
    const identity = {
      name,
      namespace: workload.namespace,
      ip: `10.244.0.${ordinal + 10}`,
      nodeName: 'orders-control-plane',
      serviceAccountName: spec.serviceAccountName ?? 'default',
    };
    const mountedFiles: Record<string, string> = {};
    for (const volume of spec.volumes ?? []) {
      if (!volume.configMap) continue;
      const map = find(objects, 'ConfigMap', workload.namespace, volume.configMap.name);
      if (!map) throw new Error(`${workload.namespace}/${name}: ConfigMap ${volume.configMap.name} does not exist`);
      // With `items`, only the listed keys are projected into the volume.
      const keys: { key: string; path: string }[] = volume.configMap.items ?? Object.keys(map.body.data ?? {}).map((key) => ({ key, path: key }));
      for (const { key, path } of keys) {
        const text = map.body.data?.[key];
        if (text === undefined) throw new Error(`${workload.namespace}/${name}: ConfigMap ${volume.configMap.name} has no key ${key}`);
        mountedFiles[`${volume.configMap.name}/${path}`] = text.replaceAll('@NODE_ID@', String(ordinal));
      }
    }
    return {
      workload,
      name,
      ordinal,
      mountedFiles,
      containers: containersOf(spec).map(({ container, init }) => ({
        container,
        init,
        environment: containerEnvironment(objects, spec, container, identity),
      })),
    };
  });
}

/**
 * Variables that name hosts a service answers for (the Host check), not hosts it connects
 * to: the identity service accepts its in-cluster name, which its own migration Job reads too.
 */
const ANSWERS_FOR = new Set([commonSettings.http.allowedHosts.env]);

/** All the text a pod is configured with (but names it answers for): env values, commands, mounted files. */
export function podTexts(pod: ModelPod): string[] {
  const env = (c: ModelContainer) => Object.entries(c.environment.env).filter(([name]) => !ANSWERS_FOR.has(name)).map(([, value]) => value);
  return [
    ...pod.containers.flatMap((c) => [...env(c), ...(c.container.command ?? []), ...(c.container.args ?? [])]),
    ...Object.values(pod.mountedFiles),
  ];
}
