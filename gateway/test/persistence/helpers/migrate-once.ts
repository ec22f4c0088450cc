/** Child-process entry for the concurrent-start test: migrates the database at argv[2] and prints the result. */
import { createDatabase } from '../../../src/db/database.ts';

const db = await createDatabase({ url: process.argv[2] });
try {
  process.stdout.write(JSON.stringify(await db.migrate()));
} finally {
  await db.close();
}
