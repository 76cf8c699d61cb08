/** What each pod of a workload carries: its containers' environment and the config files mounted into it. */
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

/** All the text a pod is configured with: env values, commands, mounted files. */
export function podTexts(pod: ModelPod): string[] {
  return [
    ...pod.containers.flatMap((c) => [...Object.values(c.environment.env), ...(c.container.command ?? []), ...(c.container.args ?? [])]),
    ...Object.values(pod.mountedFiles),
  ];
}
