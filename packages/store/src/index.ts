export * as PgDatabase from "./PgDatabase.js"
