import { createHash } from 'node:crypto';
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';

export const PART_OF = 'order-processing';

/** A namespace of the stack: its name, and the same name as an input that waits until the namespace exists. */
export interface NamespaceRef {
  readonly name: string;
  readonly ready: pulumi.Input<string>;
}

/** A namespace every cluster has (kube-system): nothing to wait for. */
export const existingNamespace = (name: string): NamespaceRef => ({ name, ready: name });

/** Recommended labels; `app` is also the selector. */
export function labels(app: string, component: string): Record<string, string> {
  return {
    app,
    'app.kubernetes.io/name': app,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'pulumi',
  };
}

/** A container that runs as a non-root user, read-only, with no capabilities and no privilege escalation. */
export function restrictedContainer(
  runAsUser: number,
  options: { readOnlyRootFilesystem?: boolean } = {},
): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup: runAsUser,
    readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * A pod spec with the defaults every pod of this stack needs: no service-link variables
 * (a Service named `kafka` would otherwise hand every pod in its namespace `KAFKA_PORT` and
 * friends, names that images read as their own settings) and no API token unless the pod
 * asks for one.
 */
export function podSpec(spec: k8s.types.input.core.v1.PodSpec): k8s.types.input.core.v1.PodSpec {
  return { enableServiceLinks: false, automountServiceAccountToken: false, ...spec };
}

/** A stable digest of configuration, put on a pod template so that a change rolls the pods. */
export function checksum(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

export function podSecurity(fsGroup: number): k8s.types.input.core.v1.PodSecurityContext {
  return { runAsNonRoot: true, fsGroup, seccompProfile: { type: 'RuntimeDefault' } };
}

/** In-cluster DNS name of a Service. */
export const serviceHost = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

export function volumeClaim(name: string, size: string, storageClass: string): k8s.types.input.core.v1.PersistentVolumeClaim {
  return {
    metadata: { name },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      ...(storageClass ? { storageClassName: storageClass } : {}),
    },
  };
}

/** A Service published on a NodePort: what port-forwarding and the URLs need. */
export interface NodePortEndpoint {
  namespace: string;
  service: string;
  port: number;
  nodePort: number;
}

