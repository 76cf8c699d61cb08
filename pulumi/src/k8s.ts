import type * as k8s from '@pulumi/kubernetes';

export const PART_OF = 'order-processing';

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

export function podSecurity(fsGroup: number): k8s.types.input.core.v1.PodSecurityContext {
  return { runAsNonRoot: true, fsGroup, seccompProfile: { type: 'RuntimeDefault' } };
}

export function resources(cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string) {
  return { requests: { cpu: cpuRequest, memory: memoryRequest }, limits: { cpu: cpuLimit, memory: memoryLimit } };
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
