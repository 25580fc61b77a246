export { RedisClient, type RedisClientOptions } from "./RedisClient.js"
