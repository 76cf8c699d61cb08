export { conditionalResponses, errorResponse, etagHeader, ifMatchParameter, jsonContent, openApiDocument, schemaOf } from './http/openapi.js';
export { jsonBody, parse } from './http/validate.js';
export { preconditionOf, sendVersioned, sendWritten } from './http/conditional.js';
export { decodeCursor, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, pageOf, pageQuery } from './http/paging.js';
export { type CommonConfig, type SeededServiceConfig, commonSettings, loadSeededServiceConfig, loadServiceConfig, seededServiceSettings } from './service-config.js';
export { type ServiceDeps, serviceMain } from './service.js';
