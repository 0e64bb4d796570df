import {
  ERROR_CODES,
  SwarmletError,
  type ClusterEvent,
  type ErrorCode,
  type EventStreamItem,
} from '@swarmlet/api-types';

/** One server-sent event: its `event` name ('message' when none), `data` and `id` if given. */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/**
 * Parses a `text/event-stream` body as it arrives (the WHATWG rules that matter here): lines end
 * with LF, CRLF or CR; `data:` lines join with LF; a blank line dispatches; `:` lines are
 * comments (heartbeats); one space after the colon is dropped. A frame cut off by the end of
 * the body is not dispatched.
 */
export async function* readSse(body: AsyncIterable<Buffer | string>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let rest = '';
  let frame: { event?: string; data: string[]; id?: string } = { data: [] };
  for await (const chunk of body) {
    let text = rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    // A trailing CR may be half of a CRLF: keep it with the unfinished last line.
    const carry = text.endsWith('\r') ? '\r' : '';
    if (carry) text = text.slice(0, -1);
    const lines = text.split(/\r\n|\r|\n/);
    rest = (lines.pop() ?? '') + carry;
    for (const line of lines) {
      if (line === '') {
        if (frame.data.length > 0) {
          const msg: SseMessage = { event: frame.event ?? 'message', data: frame.data.join('\n') };
          if (frame.id !== undefined) msg.id = frame.id;
          yield msg;
        }
        frame = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') frame.data.push(value);
      else if (field === 'event') frame.event = value;
      else if (field === 'id') frame.id = value;
    }
  }
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (err) {
    throw new SwarmletError(
      'INTERNAL',
      `invalid event data from the daemon: ${data.slice(0, 200)}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * The swarmlet event stream's frames as items: `notice` frames as notices, an `error` frame
 * thrown as the `SwarmletError` it names, anything else a `ClusterEvent`.
 */
export async function* eventItems(
  messages: AsyncIterable<SseMessage>,
): AsyncGenerator<EventStreamItem> {
  for await (const m of messages) {
    if (m.event === 'notice') {
      const { message } = parseJson(m.data) as { message?: string };
      yield { kind: 'notice', message: message ?? '' };
    } else if (m.event === 'error') {
      const e = parseJson(m.data) as { code?: string; message?: string };
      const code = (ERROR_CODES as readonly string[]).includes(e.code ?? '')
        ? (e.code as ErrorCode)
        : 'INTERNAL';
      throw new SwarmletError(code, e.message ?? 'the event stream failed');
    } else {
      yield { kind: 'event', event: parseJson(m.data) as ClusterEvent };
    }
  }
}
