export * as Naming from "./Naming.js"
export { NatsClient, type NatsClientOptions } from "./NatsClient.js"
