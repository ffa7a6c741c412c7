/**
 * The bench's receiving end, in a process of its own (as Lambda's X-Ray daemon and X-Ray's OTLP
 * endpoint are outside the function): a UDP socket counting datagrams and the local OTLP endpoint
 * counting spans. Started by bench/cart.bench.ts; prints one JSON line with its addresses, then
 * answers `GET /count` on a control port, and exits when its stdin closes.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startOtlpReceiver } from '../local/otlp-receiver';
import { createTraceStore } from '../local/trace-store';

const socket = createSocket('udp4');
let datagrams = 0;
let spans = 0;
socket.on('message', () => datagrams++);
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
const receiver = await startOtlpReceiver({
  store: createTraceStore(),
  sink: { put: () => void (spans += 1) },
});
const control = createServer((_req, res) => res.end(JSON.stringify({ datagrams, spans })));
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', () => resolve()));
process.stdout.write(
  `${JSON.stringify({
    daemon: `127.0.0.1:${socket.address().port}`,
    otlp: receiver.tracesEndpoint,
    control: `http://127.0.0.1:${(control.address() as AddressInfo).port}/count`,
  })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
