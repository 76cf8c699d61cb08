import * as pulumi from '@pulumi/pulumi';
import { loadStackConfig } from './config.js';
import { deployStack } from './stack.js';

const outputs = deployStack(loadStackConfig(), { project: pulumi.getProject(), name: pulumi.getStack() });

export const urls = outputs.urls;
export const namespaces = outputs.namespaces;
export const images = outputs.images;
export const kafka = outputs.kafka;
export const nodePorts = outputs.nodePorts;
export const logins = outputs.logins;
