export * as EntityShape from "./EntityShape.js"
export * as HttpCall from "./HttpCall.js"
