import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/index.js';
import { currentPermit, RateLimiter, watchSentRequests } from '../../src/models/rate-limiter.js';

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

/** A clock moved by hand; its waits end only when aborted, so only the test moves the limiter. */
function manualClock(): Clock & { time: number } {
  let time = 0;
  return {
    get time() {
      return time;
    },
    set time(value: number) {
      time = value;
    },
    now: () => time,
    sleep: (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
  };
}

// One request a second, reaching the server at most 200 ms after it is sent.
const limits = { requestsPerMinute: 1, windowMs: 1_000, sendAllowanceMs: 200 };

/**
 * Holds a permit from t=0, sends a request at t=5000 with `send`, ends it at t=5000, then
 * returns whether a second caller was let in by t=3000 of the next window's reckoning.
 */
async function secondGrantedEarly(send: () => Promise<unknown>): Promise<boolean> {
  const clock = manualClock();
  const limiter = new RateLimiter(limits, clock);
  const permit = await limiter.acquire(0);
  clock.time = 5_000;
  await send().then(
    () => undefined,
    () => undefined,
  );
  await currentPermit.run(permit, send);
  permit.release();
  const second = limiter.acquire(0);
  let granted = false;
  void second.then(() => {
    granted = true;
  });
  // Counted from the grant, the first request stopped counting at 0 + 200 + 1000.
  clock.time = 3_000;
  limiter.setLimits(limits);
  await new Promise((resolve) => setImmediate(resolve));
  return granted;
}

describe('watchSentRequests', () => {
  it('counts a request from when fetch sent its headers, not from when its permit was granted', async () => {
    watchSentRequests();
    // Sent at 5000, the request counts until 6000: a second caller at 3000 must wait.
    expect(await secondGrantedEarly(() => fetch(url).then((response) => response.text()))).toBe(false);
  });

  it('marks nothing for a request sent outside any permit', async () => {
    watchSentRequests();
    // Nothing was sent under the permit: it counts from its grant, so the second caller goes at 3000.
    expect(await secondGrantedEarly(async () => undefined)).toBe(true);
  });
});
