/** drizzle-kit: `npm run db:generate` writes SQL migrations for changes in src/db/schema.ts. */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
