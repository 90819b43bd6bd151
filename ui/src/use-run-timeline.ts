import { useEffect, useRef, useState } from 'react';
import { authHeaders } from './api.ts';
import type { RunEvent } from './api-types.ts';
import { followEvents } from './event-stream.ts';
import { applyEvents, emptyTimeline, isTerminal, type RunTimeline } from './run-timeline.ts';

/**
 * Follows a run's event stream from its first event, folding events into a {@link RunTimeline}
 * at most once per animation frame. `onJournal` is told (at most every 300 ms) that journaled
 * events arrived, so the page can reload what the events do not carry (outputs, usage).
 * The stream stops after the run ends.
 */
export function useRunTimeline(
  runId: string,
  onJournal: () => void,
  /** A new value follows the stream again from the start (after a resume). */
  generation = 0,
): { timeline: RunTimeline; connected: boolean } {
  const [timeline, setTimeline] = useState(emptyTimeline);
  const [connected, setConnected] = useState(false);
  const journalListener = useRef(onJournal);
  journalListener.current = onJournal;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` asks for a fresh stream.
  useEffect(() => {
    const controller = new AbortController();
    let pending: RunEvent[] = [];
    let frame: number | undefined;
    let journalTimer: ReturnType<typeof setTimeout> | undefined;
    setTimeline(emptyTimeline());
    const flush = () => {
      frame = undefined;
      const batch = pending;
      pending = [];
      setTimeline((previous) => applyEvents(previous, batch));
    };
    void followEvents(`/api/runs/${encodeURIComponent(runId)}/events`, {
      headers: authHeaders(),
      signal: controller.signal,
      onConnection: setConnected,
      onEvent: (message) => {
        let event: RunEvent;
        try {
          event = JSON.parse(message.data) as RunEvent;
        } catch {
          return;
        }
        if (!event.type) event.type = message.event;
        pending.push(event);
        frame ??= requestAnimationFrame(flush);
        if (event.seq !== undefined && journalTimer === undefined)
          journalTimer = setTimeout(() => {
            journalTimer = undefined;
            journalListener.current();
          }, 300);
        if (event.type === 'run-end' && isTerminal(String(event.status))) {
          // Let the last frame and reload land, then stop following.
          setTimeout(() => controller.abort(), 50);
        }
      },
    });
    return () => {
      controller.abort();
      if (frame !== undefined) cancelAnimationFrame(frame);
      if (journalTimer !== undefined) clearTimeout(journalTimer);
    };
  }, [runId, generation]);
  return { timeline, connected };
}
