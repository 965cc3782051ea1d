/**
 * Rewrites the generated, committed files: openapi/openapi.json (the OpenAPI document of the routes),
 * openapi/postman.json (the Postman collection made from it) and the SDK's types. Run: npm run openapi
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../src/docs/files.js';
import { generatedFiles } from './openapi-files.js';

for (const [path, content] of Object.entries(await generatedFiles())) {
  const file = join(repoRoot(), path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  console.log(`${path} written`);
}
