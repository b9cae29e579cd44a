// What PAR CRM adds to Express's request: the signed-in user, the current workspace and the
// member's role (from the session) or the API token's workspace (from the Authorization header).
import type { UserRow } from '../auth/users.js';
import type { WorkspaceRow, Role } from '../workspaces/repo.js';

export interface CurrentMembership {
  role: Role;
}

export interface ApiTokenIdentity {
  id: string;
  name: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport's req.user is our user row.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends UserRow {}
    interface Request {
      /** The tenant of this request: from the session's membership or the API token. Never from input. */
      workspace?: WorkspaceRow;
      membership?: CurrentMembership;
      apiToken?: ApiTokenIdentity;
      id: string | number | object;
    }
  }
}

export {};
