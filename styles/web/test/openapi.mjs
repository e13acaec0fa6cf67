// Validates an OpenAPI 3.0 document with @apidevtools/swagger-parser, an implementation
// independent of Indus: the document's structure against the OpenAPI 3.0 schema, every $ref
// resolved, path parameters declared once and used in their path, operation ids unique.
//   node openapi.mjs api.json
// Prints one JSON line (the title, version, number of paths and operations) and exits 0 when the
// document is valid; prints the validator's message and exits 1 otherwise.
import SwaggerParser from '@apidevtools/swagger-parser';

const [file] = process.argv.slice(2);
try {
  const api = await SwaggerParser.validate(file);
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
  const operations = Object.values(api.paths).flatMap((p) => methods.filter((m) => p[m]));
  console.log(JSON.stringify({
    openapi: api.openapi,
    title: api.info.title,
    version: api.info.version,
    paths: Object.keys(api.paths).length,
    operations: operations.length,
  }));
} catch (err) {
  console.error('INVALID: ' + err.message);
  process.exit(1);
}
