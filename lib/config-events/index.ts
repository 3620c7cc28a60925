export {
  CONFIG_CHANGE_KINDS,
  CONFIG_CHANNEL,
  CONFIG_VERSION_KEY,
  ConfigChange,
  ConfigChangeKind,
  ConfigMessage,
  configChannel,
  parseConfigMessage,
  parseConfigVersion,
} from "@/lib/config-events/schema";
export {
  PUBLISH_TIMEOUT_MS,
  cancelConfigAnnouncementRetries,
  pendingConfigAnnouncements,
  publishConfigChange,
  type PublishOptions,
} from "@/lib/config-events/publish";
