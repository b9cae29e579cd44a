// Media files: queries take the workspace id first.
import { isUuid, type Db } from '../db/index.js';

export interface MediaFileRow {
  id: string;
  workspace_id: string;
  direction: 'inbound' | 'outbound';
  channel_id: string | null;
  meta_media_id: string | null;
  meta_channel_id: string | null;
  meta_uploaded_at: Date | null;
  mime_type: string | null;
  size: number | null;
  sha256: string | null;
  filename: string | null;
  storage_key: string | null;
  status: 'pending' | 'ready' | 'failed';
  error: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  created_at: Date;
}

/** findMediaFile loads a media file of the workspace, whatever its status. */
export function findMediaFile(db: Db, workspaceId: string, id: string): Promise<MediaFileRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('media_files').where({ workspace_id: workspaceId, id }).first();
}

/** findReadyMedia loads a media file of the workspace whose bytes are stored. */
export function findReadyMedia(db: Db, workspaceId: string, id: string): Promise<MediaFileRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('media_files').where({ workspace_id: workspaceId, id, status: 'ready' }).whereNotNull('storage_key').first();
}
