// Live updates: commands publish small events with Postgres NOTIFY (inside their transaction,
// so nothing is announced that did not commit); every replica LISTENs and forwards each event
// to the Server-Sent Events streams of that workspace's open browsers.
import type { Request, Response } from 'express';
import type { Database, Db } from '../db/index.js';
import type { Logger } from '../logger.js';

const CHANNEL = 'par_events';
const HEARTBEAT_MS = 25_000;

export interface RealtimeEvent {
  /** e.g. 'message.created', 'message.status', 'conversation.updated' */
  type: string;
  [key: string]: unknown;
}

interface Envelope extends RealtimeEvent {
  workspace_id: string;
}

/** publish announces an event to the workspace's open browsers once the transaction commits. */
export async function publish(db: Db, workspaceId: string, event: RealtimeEvent): Promise<void> {
  const payload = JSON.stringify({ ...event, workspace_id: workspaceId } satisfies Envelope);
  // NOTIFY payloads are limited to 8000 bytes: events carry ids, browsers fetch the rest.
  if (Buffer.byteLength(payload) > 7900) throw new Error(`realtime event ${event.type} is too large to publish`);
  await db.raw('SELECT pg_notify(?, ?)', [CHANNEL, payload]);
}

type Subscriber = (event: Envelope) => void;

export interface Realtime {
  start(): Promise<void>;
  /** subscribe receives the workspace's events; returns the unsubscribe. */
  subscribe(workspaceId: string, fn: Subscriber): () => void;
  /** stream answers an SSE request for the current workspace until the browser goes away. */
  stream(req: Request, res: Response): void;
  stop(): Promise<void>;
}

/** createRealtime builds the per-process fan-out from NOTIFY to SSE streams. */
export function createRealtime(database: Database, log: Logger): Realtime {
  const subscribers = new Map<string, Set<Subscriber>>();
  const streams = new Set<Response>();
  let unlisten: (() => Promise<void>) | null = null;

  const dispatch = (payload: string) => {
    let event: Envelope;
    try {
      event = JSON.parse(payload);
    } catch {
      log.warn({ payload }, 'ignored a malformed realtime event');
      return;
    }
    for (const fn of subscribers.get(event.workspace_id) ?? []) {
      try {
        fn(event);
      } catch (err) {
        log.error({ err }, 'realtime subscriber failed');
      }
    }
  };

  const subscribe = (workspaceId: string, fn: Subscriber) => {
    let set = subscribers.get(workspaceId);
    if (!set) subscribers.set(workspaceId, (set = new Set()));
    set.add(fn);
    return () => {
      set!.delete(fn);
      if (set!.size === 0) subscribers.delete(workspaceId);
    };
  };

  return {
    async start() {
      unlisten = await database.listen(CHANNEL, dispatch);
    },
    subscribe,
    stream(req, res) {
      const workspaceId = req.workspace!.id;
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      res.write('retry: 3000\n\n');
      const unsubscribe = subscribe(workspaceId, (event) => {
        const { workspace_id: _omit, ...data } = event;
        res.write(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      streams.add(res);
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(res);
      };
      req.on('close', close);
      res.on('close', close);
    },
    async stop() {
      for (const res of streams) res.end();
      streams.clear();
      await unlisten?.();
      unlisten = null;
    },
  };
}
