export * as InboxNotifier from "./InboxNotifier.js"
export * as NotifierSettings from "./NotifierSettings.js"
export * as SmsNotifier from "./SmsNotifier.js"
export * as SmtpNotifier from "./SmtpNotifier.js"
