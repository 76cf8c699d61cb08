import { errorResponse, jsonContent, openApiDocument, schemaOf, secured } from '@orders/runtime';
import { PutUserBody, UserSchema } from './schemas.js';

const user = { description: 'the login', ...jsonContent(schemaOf(UserSchema)) };

export const identityOpenApi = openApiDocument('Identity service', '1.0.0', {
  '/users/{id}': {
    put: secured('operator', {
      summary: "Create a login, or set its role and password (a customer's id is its customer id)",
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: { required: true, ...jsonContent(schemaOf(PutUserBody)) },
      responses: { '200': user, '201': user, '400': errorResponse('invalid id or body') },
    }),
  },
  '/.well-known/openid-configuration': {
    get: { summary: 'OpenID Connect discovery: the endpoints below, the keys, the supported flows', responses: { '200': { description: 'the discovery document' } } },
  },
  '/auth': { get: { summary: 'Authorization endpoint (code flow with PKCE): asks the user to sign in', responses: { '303': { description: 'to the sign-in page or back to the client' } } } },
  '/token': { post: { summary: 'Token endpoint: an authorization code and its PKCE verifier for an access token', responses: { '200': { description: 'the tokens' } } } },
  '/jwks': { get: { summary: 'The public keys access tokens are signed with', responses: { '200': { description: 'a JSON Web Key Set' } } } },
});
