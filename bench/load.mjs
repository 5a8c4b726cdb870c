// One autocannon run, in a process of its own (bench/run.ts starts it): node bench/load.mjs '<json>'.
// The JSON: { url, method, headers, body, connections, duration, perConnection?: [{ headers, body }] }.
// perConnection gives each connection its own headers and body (a signed-in user of its own), in
// turn; the result is autocannon's, as JSON on stdout.
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2]);
let next = 0;
const variants = options.perConnection;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  requests: [
    {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(variants
        ? {
            setupRequest: (request, context) => {
              if (context.variant === undefined) context.variant = next++ % variants.length;
              const variant = variants[context.variant];
              return { ...request, headers: { ...request.headers, ...variant.headers }, ...(variant.body === undefined ? {} : { body: variant.body }) };
            },
          }
        : {}),
    },
  ],
});
process.stdout.write(JSON.stringify(result));
