/**
 * The environment a container really starts with, computed the way the kubelet does it
 * (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables, pkg/kubelet/envvars FromServices,
 * third_party/forked/golang/expansion):
 *   1. service variables: the `kubernetes` master Service always, and every Service with a
 *      cluster IP in the pod's namespace unless the pod sets `enableServiceLinks: false`;
 *   2. `envFrom` ConfigMaps/Secrets in order (keys that are not valid names are skipped);
 *   3. `env` in order: `$(VAR)` expanded against the variables so far and the service
 *      variables (`$$` is a literal `$`, unknown references stay as written), `valueFrom`
 *      resolved (fieldRef, secretKeyRef, configMapKeyRef); a declared name hides the
 *      service variable of the same name;
 *   4. the remaining service variables.
 */
import { find, isHeadless, ofKind, type KubeObject } from './objects.js';

export const MASTER_SERVICE_IP = '10.96.0.1';

/** A cluster IP per Service, stable within a model. */
function clusterIpOf(service: KubeObject, objects: KubeObject[]): string {
  const index = ofKind(objects, 'Service').indexOf(service);
  return `10.96.${Math.floor((index + 10) / 250)}.${((index + 10) % 250) + 1}`;
}

const envName = (name: string) => {
  const upper = name.replaceAll('.', '_').replaceAll('-', '_').toUpperCase();
  return /^[0-9]/.test(upper) ? `_${upper}` : upper;
};

/** The variables one Service gives a pod (envvars.FromServices). */
export function serviceLinkVariables(name: string, ip: string, ports: { name?: string; port: number; protocol?: string }[]): Record<string, string> {
  const prefix = envName(name);
  const vars: Record<string, string> = {
    [`${prefix}_SERVICE_HOST`]: ip,
    [`${prefix}_SERVICE_PORT`]: String(ports[0]!.port),
  };
  for (const p of ports) if (p.name) vars[`${prefix}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
  ports.forEach((p, i) => {
    const protocol = (p.protocol ?? 'TCP').toUpperCase();
    const url = `${protocol.toLowerCase()}://${ip}:${p.port}`;
    if (i === 0) vars[`${prefix}_PORT`] = url;
    const portPrefix = `${prefix}_PORT_${p.port}_${protocol}`;
    vars[portPrefix] = url;
    vars[`${portPrefix}_PROTO`] = protocol.toLowerCase();
    vars[`${portPrefix}_PORT`] = String(p.port);
    vars[`${portPrefix}_ADDR`] = ip;
  });
  return vars;
}

/** `$(VAR)` expansion as the kubelet does it. */
export function expand(value: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '$' || i + 1 >= value.length) {
      out += value[i];
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = value.indexOf(')', i + 2);
      if (end < 0) {
        out += value.slice(i);
        break;
      }
      const name = value.slice(i + 2, end);
      const found = lookup(name);
      out += found ?? `$(${name})`;
      i = end;
    } else {
      out += '$';
    }
  }
  return out;
}

const VALID_ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export interface PodIdentity {
  name: string;
  namespace: string;
  ip: string;
  nodeName: string;
  serviceAccountName: string;
}

export interface ContainerEnvironment {
  env: Record<string, string>;
  /** Names that came from Services (the master Service's included). */
  fromServices: string[];
}

export const secretValue = (secret: KubeObject, key: string): string | undefined =>
  secret.body.stringData?.[key] ?? (secret.body.data?.[key] !== undefined ? Buffer.from(secret.body.data[key], 'base64').toString() : undefined);

export function containerEnvironment(objects: KubeObject[], podSpec: any, container: any, pod: PodIdentity): ContainerEnvironment {
  const serviceEnv: Record<string, string> = serviceLinkVariables('kubernetes', MASTER_SERVICE_IP, [{ name: 'https', port: 443 }]);
  if (podSpec.enableServiceLinks !== false) {
    for (const service of ofKind(objects, 'Service')) {
      if (service.namespace !== pod.namespace || isHeadless(service) || service.body.spec?.type === 'ExternalName') continue;
      Object.assign(serviceEnv, serviceLinkVariables(service.name, clusterIpOf(service, objects), service.body.spec.ports));
    }
  }
  const tmp: Record<string, string> = {};
  const source = (kind: 'ConfigMap' | 'Secret', name: string) => {
    const found = find(objects, kind, pod.namespace, name);
    if (!found) throw new Error(`${pod.namespace}/${pod.name}: ${kind} ${name} does not exist (the container would not start)`);
    return found;
  };
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const object = source(from.configMapRef ? 'ConfigMap' : 'Secret', ref.name);
    const data: Record<string, string> = from.configMapRef
      ? (object.body.data ?? {})
      : Object.fromEntries(Object.keys({ ...object.body.data, ...object.body.stringData }).map((k) => [k, secretValue(object, k)!]));
    for (const [k, v] of Object.entries(data)) {
      const name = `${from.prefix ?? ''}${k}`;
      if (VALID_ENV_NAME.test(name)) tmp[name] = v;
    }
  }
  for (const variable of container.env ?? []) {
    let value: string;
    if (variable.value !== undefined && variable.value !== '') {
      value = expand(variable.value, (name) => tmp[name] ?? serviceEnv[name]);
    } else if (variable.valueFrom?.fieldRef) {
      value = fieldValue(variable.valueFrom.fieldRef.fieldPath, pod);
    } else if (variable.valueFrom?.secretKeyRef) {
      const ref = variable.valueFrom.secretKeyRef;
      const found = secretValue(source('Secret', ref.name), ref.key);
      if (found === undefined) throw new Error(`${pod.namespace}/${pod.name}: Secret ${ref.name} has no key ${ref.key}`);
      value = found;
    } else if (variable.valueFrom?.configMapKeyRef) {
      const ref = variable.valueFrom.configMapKeyRef;
      const found = source('ConfigMap', ref.name).body.data?.[ref.key];
      if (found === undefined) throw new Error(`${pod.namespace}/${pod.name}: ConfigMap ${ref.name} has no key ${ref.key}`);
      value = found;
    } else {
      value = '';
    }
    delete serviceEnv[variable.name];
    tmp[variable.name] = value;
  }
  const fromServices = Object.keys(serviceEnv).filter((k) => !(k in tmp));
  return { env: { ...Object.fromEntries(fromServices.map((k) => [k, serviceEnv[k]!])), ...tmp }, fromServices };
}

function fieldValue(path: string, pod: PodIdentity): string {
  switch (path) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'status.podIP':
      return pod.ip;
    case 'spec.nodeName':
      return pod.nodeName;
    case 'spec.serviceAccountName':
      return pod.serviceAccountName;
    default:
      throw new Error(`fieldRef ${path} is not modelled`);
  }
}
