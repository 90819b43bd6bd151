import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createEventParser, followEvents, type ServerSentEvent } from '../../ui/src/event-stream.ts';

describe('createEventParser', () => {
  it('reads events split anywhere across chunks, with ids, comments, CRLF and multi-line data', () => {
    const events: ServerSentEvent[] = [];
    const parse = createEventParser((event) => events.push(event));
    const text =
      ': keep-alive\r\nid: 1\r\nevent: step-start\r\ndata: {"a":1}\r\n\r\nevent: step-delta\ndata: one\ndata: two\n\nid: 2\ndata:x\n\n';
    for (const character of text) parse(character);
    expect(events).toEqual([
      { id: '1', event: 'step-start', data: '{"a":1}' },
      { event: 'step-delta', data: 'one\ntwo' },
      { id: '2', event: 'message', data: 'x' },
    ]);
  });

  it('holds an event back until its blank line arrives', () => {
    const events: ServerSentEvent[] = [];
    const parse = createEventParser((event) => events.push(event));
    parse('id: 7\nevent: run-end\ndata: {}\n');
    expect(events).toEqual([]);
    parse('\n');
    expect(events).toEqual([{ id: '7', event: 'run-end', data: '{}' }]);
  });
});

describe('followEvents', () => {
  it('reconnects after a drop with the last event id and the same headers, and stops when aborted', async () => {
    const requests: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      requests.push(request.headers);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (requests.length === 1) {
        response.end(
          'id: 1\nevent: step-start\ndata: {"seq":1}\n\nid: 2\nevent: step-end\ndata: {"seq":2}\n\n',
        );
      } else {
        response.end('id: 3\nevent: run-end\ndata: {"seq":3}\n\n');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const controller = new AbortController();
    const seen: string[] = [];
    try {
      await followEvents(`http://127.0.0.1:${port}/api/runs/r1/events`, {
        headers: { authorization: 'Bearer secret' },
        signal: controller.signal,
        retryMs: 10,
        onEvent: (event) => {
          seen.push(`${event.id}:${event.event}`);
          if (event.event === 'run-end') controller.abort();
        },
      });
    } finally {
      server.close();
    }
    expect(seen).toEqual(['1:step-start', '2:step-end', '3:run-end']);
    expect(requests).toHaveLength(2);
    expect(requests[0]?.['last-event-id']).toBeUndefined();
    expect(requests[1]?.['last-event-id']).toBe('2');
    expect(requests.every((headers) => headers.authorization === 'Bearer secret')).toBe(true);
  });
});
