/** The admin API's context: the app's (config, correlation id, logger) plus the request's database handle. */
export { withDatabase, type DbEnv as AdminEnv } from "../database.ts";
