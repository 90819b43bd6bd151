/**
 * Server-Sent Events read with `fetch`, because `EventSource` cannot send an `Authorization`
 * header. The parser follows the HTML standard's event-stream rules for the fields the server
 * sends (`id`, `event`, `data`, comments); a dropped connection is resumed with `Last-Event-ID`.
 */

export interface ServerSentEvent {
  id?: string;
  event: string;
  data: string;
}

/** An incremental parser: feed it text as it arrives, it calls `onEvent` for each complete event. */
export function createEventParser(onEvent: (event: ServerSentEvent) => void): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const dispatch = () => {
    if (data.length > 0) {
      const parsed: ServerSentEvent = { event: event || 'message', data: data.join('\n') };
      if (id !== undefined) parsed.id = id;
      onEvent(parsed);
    }
    data = [];
    event = '';
    id = undefined;
  };
  return (chunk) => {
    buffer += chunk;
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      // A lone `\r` at the end may be the first half of `\r\n`: wait for more text.
      if (end < 0 || (buffer[end] === '\r' && end === buffer.length - 1)) return;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        dispatch();
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
  };
}

export interface FollowOptions {
  headers?: Record<string, string>;
  /** The last event id already seen: the stream resumes after it. */
  lastEventId?: string;
  signal: AbortSignal;
  onEvent: (event: ServerSentEvent) => void;
  /** Told whether the stream is connected, for a status light. */
  onConnection?: (connected: boolean) => void;
  /** Milliseconds before reconnecting after the stream drops; default 1000. */
  retryMs?: number;
  fetch?: typeof fetch;
}

/**
 * Reads an event stream until `signal` aborts, reconnecting after each drop with the last event id
 * seen, so no journaled event is missed or repeated. Resolves when aborted.
 */
export async function followEvents(url: string, options: FollowOptions): Promise<void> {
  const fetchImpl = options.fetch ?? fetch;
  let lastEventId = options.lastEventId;
  while (!options.signal.aborted) {
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      const response = await fetchImpl(url, { headers, signal: options.signal });
      if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
      options.onConnection?.(true);
      const parse = createEventParser((event) => {
        if (event.id !== undefined) lastEventId = event.id;
        options.onEvent(event);
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parse(value);
      }
    } catch (error) {
      if (options.signal.aborted) break;
      if (!(error instanceof Error)) throw error;
    }
    options.onConnection?.(false);
    if (options.signal.aborted) break;
    await delay(options.retryMs ?? 1000, options.signal);
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
