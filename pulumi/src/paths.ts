import path from 'node:path';

/** The repository root (Pulumi.yaml, the Dockerfile, the kind cluster configuration). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
