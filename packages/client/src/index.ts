export * as PaylinksClient from "./PaylinksClient.js"
