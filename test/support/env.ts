// What the test run was asked for: a Postgres (TEST_DATABASE_URL) or fresh embedded databases.
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || null;
export const inCI = process.env.CI === 'true' || process.env.CI === '1';
