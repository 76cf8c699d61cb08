export { errorResponse, jsonContent, openApiDocument, schemaOf } from './http/openapi.js';
export { jsonBody, parse } from './http/validate.js';
export { type CommonConfig, type SeededServiceConfig, commonSettings, loadSeededServiceConfig, loadServiceConfig, seededServiceSettings } from './service-config.js';
export { type ServiceDeps, serviceMain } from './service.js';
