// What every workspace starts with: a "Sales" pipeline of six stages and a short list of lost
// reasons. migrations/20261129400600_default_pipeline_for_existing_workspaces.ts holds its own
// copy of these (migrations never import application code): keep the two alike.
import type { StageKind } from './schema.js';

export const DEFAULT_PIPELINE_NAME = 'Sales';

export const DEFAULT_STAGES: Array<{ name: string; kind: StageKind; probability: number }> = [
  { name: 'New', kind: 'open', probability: 10 },
  { name: 'Qualified', kind: 'open', probability: 25 },
  { name: 'Proposal', kind: 'open', probability: 50 },
  { name: 'Negotiation', kind: 'open', probability: 75 },
  { name: 'Won', kind: 'won', probability: 100 },
  { name: 'Lost', kind: 'lost', probability: 0 },
];

export const DEFAULT_LOST_REASONS = ['Price too high', 'Chose a competitor', 'No reply from the customer', 'Not a fit', 'Bad timing'];
