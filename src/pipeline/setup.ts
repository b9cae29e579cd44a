// Registers the pipeline's part of creating a workspace: its default pipeline and lost reasons,
// in the sign-up transaction. Imported once by src/boot.ts, which the server, the CLI and the
// tests all open.
import { onWorkspaceCreated } from '../workspaces/service.js';
import { seedPipelineDefaults } from './service.js';

onWorkspaceCreated(async (trx, workspace) => {
  await seedPipelineDefaults(trx, workspace.id);
});
