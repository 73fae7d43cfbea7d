// A stand-in for a function runtime, run by test/packed.test.ts in the fresh project: loads one
// compiled user file the way its module system does (import, or require for CommonJS), then
// answers each POST by calling the exported function with the body as the event, Lambda-style: a
// throw is HTTP 200 with X-Amz-Function-Error and `{errorType, errorMessage}`. An
// `x-function-context` header (JSON) is passed as the context; `buffer` hands the body over as a
// Buffer, as Function Compute does. Each outcome is also printed as one JSON line on stdout.
//   node runner.mjs <compiled file> <export> <import|require> <json|buffer>
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, exportName, loader, bodyKind] = process.argv.slice(2);
const path = resolve(file);
const loaded = loader === 'require' ? createRequire(import.meta.url)(path) : await import(pathToFileURL(path).href);
const fn = loaded[exportName];
if (typeof fn !== 'function') throw new Error(`${file} exports no function ${exportName}`);

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', async () => {
    const body = Buffer.concat(chunks);
    const header = request.headers['x-function-context'];
    const context = typeof header === 'string' ? JSON.parse(header) : {};
    try {
      const result = await fn(bodyKind === 'buffer' ? body : JSON.parse(body.toString('utf8')), context);
      console.log(JSON.stringify({ outcome: 'returned', result: result ?? null }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? null));
    } catch (error) {
      const { name, code, message } = error instanceof Error ? { ...error, name: error.name, message: error.message } : { name: 'Error', message: String(error) };
      console.log(JSON.stringify({ outcome: 'threw', name, code, message }));
      response
        .writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
        .end(JSON.stringify({ errorType: name, errorMessage: message }));
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ listening: server.address().port })));
