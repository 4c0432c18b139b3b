// A graphql-ws server (graphql-transport-ws subprotocol) for the ResilientSockets interop tests.
// Usage: node graphql-server.mjs <port> [--no-ack]. Port 0 picks a free port. Prints "LISTENING <port>", then one
// line per wire-level event the tests observe: "SUBSCRIBE <id> <operation>", "COMPLETE <id>", "CONNECT", "CLOSE".
// --no-ack: accepts connection_init but never answers connection_ack (a server the client must not hang on).
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { buildSchema, GraphQLError } from 'graphql';

const port = Number(process.argv[2] ?? 0);
const noAck = process.argv.includes('--no-ack');
const say = (line) => process.stdout.write(line + '\n');

const schema = buildSchema(`
  type Query { hello(name: String): String, slow(ms: Int): String, fail: String }
  type Subscription { tick(ms: Int): Int, broken: Int }
`);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let served = 0;
const roots = {
  query: {
    hello: ({ name }) => `hello ${name ?? 'world'}`,
    slow: async ({ ms }) => { await sleep(ms ?? 1000); return 'slow done'; },
    fail: () => { throw new Error('fail was asked to fail'); },
  },
  subscription: {
    // graphql-js calls the root field as the subscribe resolver; each yielded object is the event the field resolves from.
    tick: async function* ({ ms }) {
      for (;;) {
        await sleep(ms ?? 50);
        yield { tick: ++served };
      }
    },
  },
};

const wss = new WebSocketServer({ port });
useServer(
  {
    schema,
    roots,
    onConnect: async () => {
      say('CONNECT');
      if (noAck) {
        await new Promise(() => {}); // never acknowledges
      }
      return true;
    },
    onSubscribe: (_ctx, id, payload) => {
      const operation = (payload.query ?? '').replace(/\s+/g, ' ').trim();
      say(`SUBSCRIBE ${id} ${operation}`);
      if (operation.includes('broken')) {
        return [new GraphQLError('broken is not available')]; // a refused subscription: an error message with the id
      }
      return undefined;
    },
    onComplete: (_ctx, id) => say(`COMPLETE ${id}`),
    onClose: () => say('CLOSE'),
  },
  wss,
);
wss.on('listening', () => say(`LISTENING ${wss.address().port}`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
