// A deal's timeline: its history (creation, stage changes, notes) and its contact's WhatsApp
// messages, interleaved by time, newest first.
import type { DealEventView, TimelineMessage } from './deals.js';

export type TimelineItem = { kind: 'event'; at: Date; event: DealEventView } | { kind: 'message'; at: Date; message: TimelineMessage };

/** dealTimeline merges the two newest-first lists into one, newest first. */
export function dealTimeline(events: DealEventView[], messages: TimelineMessage[]): TimelineItem[] {
  const items: TimelineItem[] = [
    ...events.map((event) => ({ kind: 'event' as const, at: new Date(event.created_at), event })),
    ...messages.map((message) => ({ kind: 'message' as const, at: new Date(message.created_at), message })),
  ];
  return items.sort((a, b) => b.at.getTime() - a.at.getTime());
}
