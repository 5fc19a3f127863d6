export * as Bootstrap from "./Bootstrap.js"
export * as Server from "./Server.js"
export * as ServerConfig from "./ServerConfig.js"
