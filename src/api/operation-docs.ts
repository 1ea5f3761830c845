/**
 * The operationId and summary of every operation in the OpenAPI document, keyed by method and
 * path. Routes that mirror Svix's API carry Svix's operationIds (SDK generators name methods after
 * them); Hookline's own routes follow the same `v1.<resource>.<action>` pattern.
 * test/openapi-completeness.test.ts fails when a route is missing here.
 */
export const OPERATIONS: Record<string, { operationId: string; summary: string }> = {
  "GET /api/v1/health": { operationId: "v1.health.get", summary: "Health" },
  "GET /api/v1/health/ping": { operationId: "v1.health.ping", summary: "Ping" },
  "GET /api/v1/health/ready": { operationId: "v1.health.ready", summary: "Readiness" },

  "GET /api/v1/app": { operationId: "v1.application.list", summary: "List Applications" },
  "POST /api/v1/app": { operationId: "v1.application.create", summary: "Create Application" },
  "GET /api/v1/app/{app_id}": { operationId: "v1.application.get", summary: "Get Application" },
  "PUT /api/v1/app/{app_id}": { operationId: "v1.application.upsert", summary: "Upsert Application" },
  "PATCH /api/v1/app/{app_id}": { operationId: "v1.application.patch", summary: "Patch Application" },
  "DELETE /api/v1/app/{app_id}": { operationId: "v1.application.delete", summary: "Delete Application" },

  "GET /api/v1/stats/attempts": { operationId: "v1.stats.attempts", summary: "Attempt Stats of the Instance" },
  "GET /api/v1/app/{app_id}/stats/attempts": {
    operationId: "v1.stats.application-attempts",
    summary: "Attempt Stats of an Application",
  },
  "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/stats/attempts": {
    operationId: "v1.stats.endpoint-attempts",
    summary: "Attempt Stats of an Endpoint",
  },
  "POST /api/v1/stats/usage/app": {
    operationId: "v1.statistics.aggregate-app-stats",
    summary: "Aggregate App Stats",
  },
  "PUT /api/v1/stats/usage/event-types": {
    operationId: "v1.statistics.aggregate-event-types",
    summary: "Aggregate Event Types",
  },
  "GET /api/v1/stats/backlog": { operationId: "v1.stats.backlog", summary: "Delivery Backlog of the Instance" },
  "GET /api/v1/app/{app_id}/stats/backlog": {
    operationId: "v1.stats.application-backlog",
    summary: "Delivery Backlog of an Application",
  },
  "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/stats/backlog": {
    operationId: "v1.stats.endpoint-backlog",
    summary: "Delivery Backlog of an Endpoint",
  },
  "GET /api/v1/stats/endpoints": {
    operationId: "v1.stats.endpoint-health",
    summary: "Endpoints Disabled or Failing in the Instance",
  },
  "GET /api/v1/app/{app_id}/stats/endpoints": {
    operationId: "v1.stats.application-endpoint-health",
    summary: "Endpoints of an Application Disabled or Failing",
  },
  "GET /api/v1/msg/{msg_id}": { operationId: "v1.message.lookup", summary: "Find a Message's Application" },
  "GET /api/v1/environment/configuration": {
    operationId: "v1.environment.configuration",
    summary: "Effective Configuration",
  },

  "GET /api/v1/event-type": { operationId: "v1.event-type.list", summary: "List Event Types" },
  "POST /api/v1/event-type": { operationId: "v1.event-type.create", summary: "Create Event Type" },
  "GET /api/v1/event-type/{event_type_name}": { operationId: "v1.event-type.get", summary: "Get Event Type" },
  "PUT /api/v1/event-type/{event_type_name}": { operationId: "v1.event-type.upsert", summary: "Upsert Event Type" },
  "PATCH /api/v1/event-type/{event_type_name}": { operationId: "v1.event-type.patch", summary: "Patch Event Type" },
  "DELETE /api/v1/event-type/{event_type_name}": {
    operationId: "v1.event-type.delete",
    summary: "Delete (Archive) Event Type",
  },
  "POST /api/v1/event-type/import/openapi": {
    operationId: "v1.event-type.import-openapi",
    summary: "Event Type Import From Openapi",
  },

  "POST /api/v1/environment/export": {
    operationId: "v1.environment.export",
    summary: "Export Environment Configuration",
  },
  "POST /api/v1/environment/import": {
    operationId: "v1.environment.import",
    summary: "Import Environment Configuration",
  },
  "GET /api/v1/environment/settings": {
    operationId: "v1.environment.get-settings",
    summary: "Get Environment Settings",
  },

  "GET /api/v1/app/{app_id}/endpoint": { operationId: "v1.endpoint.list", summary: "List Endpoints" },
  "POST /api/v1/app/{app_id}/endpoint": { operationId: "v1.endpoint.create", summary: "Create Endpoint" },
  "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}": { operationId: "v1.endpoint.get", summary: "Get Endpoint" },
  "PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}": { operationId: "v1.endpoint.upsert", summary: "Upsert Endpoint" },
  "PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}": { operationId: "v1.endpoint.patch", summary: "Patch Endpoint" },
  "DELETE /api/v1/app/{app_id}/endpoint/{endpoint_id}": {
    operationId: "v1.endpoint.delete",
    summary: "Delete Endpoint",
  },
  "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers": {
    operationId: "v1.endpoint.get-headers",
    summary: "Get Endpoint Headers",
  },
  "PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers": {
    operationId: "v1.endpoint.set-headers",
    summary: "Set Endpoint Headers",
  },
  "PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers": {
    operationId: "v1.endpoint.patch-headers",
    summary: "Patch Endpoint Headers",
  },
  "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret": {
    operationId: "v1.endpoint.get-secret",
    summary: "Get Endpoint Signing Secret",
  },
  "POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate": {
    operationId: "v1.endpoint.rotate-secret",
    summary: "Rotate Endpoint Signing Secret",
  },
  "POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/recover": {
    operationId: "v1.endpoint.recover",
    summary: "Recover Failed Webhooks",
  },
  "POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/replay-missing": {
    operationId: "v1.endpoint.replay-missing",
    summary: "Replay Missing Webhooks",
  },
  "POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/bulk-replay": {
    operationId: "v1.endpoint.bulk-replay",
    summary: "Bulk Replay Messages",
  },
  "GET /api/v1/background-task": {
    operationId: "v1.background-task.list",
    summary: "List Background Tasks",
  },
  "GET /api/v1/background-task/{task_id}": {
    operationId: "v1.background-task.get",
    summary: "Get Background Task",
  },
  "POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example": {
    operationId: "v1.endpoint.send-example",
    summary: "Send an Event Type's Example",
  },
  "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/stats": {
    operationId: "v1.endpoint.get-stats",
    summary: "Endpoint Delivery Statistics",
  },
  "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/transformation": {
    operationId: "v1.endpoint.transformation.get",
    summary: "Get Endpoint Transformation",
  },
  "PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}/transformation": {
    operationId: "v1.endpoint.transformation.patch",
    summary: "Patch Endpoint Transformation",
  },
  "POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/transformation/simulate": {
    operationId: "v1.endpoint.transformation.simulate",
    summary: "Simulate Transformation",
  },

  "GET /api/v1/app/{app_id}/msg": { operationId: "v1.message.list", summary: "List Messages" },
  "POST /api/v1/app/{app_id}/msg": { operationId: "v1.message.create", summary: "Create Message" },
  "POST /api/v1/app/{app_id}/msg/precheck/active": {
    operationId: "v1.message.precheck",
    summary: "Check Whether a Message Would Be Delivered",
  },
  "GET /api/v1/app/{app_id}/msg/{msg_id}": { operationId: "v1.message.get", summary: "Get Message" },
  "GET /api/v1/app/{app_id}/msg/{msg_id}/raw": {
    operationId: "v1.message.get-raw-payload",
    summary: "Get Raw Message Payload",
  },
  "DELETE /api/v1/app/{app_id}/msg/{msg_id}/content": {
    operationId: "v1.message.expunge-content",
    summary: "Delete Message Payload",
  },
  "POST /api/v1/app/{app_id}/msg/expunge-all-contents": {
    operationId: "v1.message.expunge-all-contents",
    summary: "Expunge All Message Contents",
  },

  "GET /api/v1/app/{app_id}/attempt/msg/{msg_id}": {
    operationId: "v1.message-attempt.list-by-msg",
    summary: "List Attempts by Message",
  },
  "GET /api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}": {
    operationId: "v1.message-attempt.list-by-endpoint",
    summary: "List Attempts by Endpoint",
  },
  "GET /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}": {
    operationId: "v1.message-attempt.get",
    summary: "Get Attempt",
  },
  "DELETE /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content": {
    operationId: "v1.message-attempt.expunge-content",
    summary: "Delete Attempt Response Body",
  },
  "GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint": {
    operationId: "v1.message-attempt.list-attempted-destinations",
    summary: "List Attempted Destinations",
  },
  "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/msg": {
    operationId: "v1.message-attempt.list-attempted-messages",
    summary: "List Attempted Messages",
  },
  "POST /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend": {
    operationId: "v1.message-attempt.resend",
    summary: "Resend a Message to an Endpoint",
  },

  "POST /api/v1/auth/app-portal-access/{app_id}": {
    operationId: "v1.authentication.app-portal-access",
    summary: "Get Consumer App Portal Access",
  },
  "POST /api/v1/auth/dashboard-access/{app_id}": {
    operationId: "v1.authentication.dashboard-access",
    summary: "Get Dashboard Access (Deprecated Form)",
  },
  "POST /api/v1/auth/app/{app_id}/expire-all": {
    operationId: "v1.authentication.expire-all",
    summary: "Expire All Portal Sessions",
  },
  "POST /api/v1/auth/logout": { operationId: "v1.authentication.logout", summary: "Logout (Revoke This Token)" },
  "GET /api/v1/ip-list": { operationId: "v1.ip-list.list", summary: "List IP Lists" },
  "POST /api/v1/ip-list": { operationId: "v1.ip-list.create", summary: "Create IP List" },
  "GET /api/v1/ip-list/{list_name}": { operationId: "v1.ip-list.get", summary: "Get IP List" },
  "PUT /api/v1/ip-list/{list_name}": { operationId: "v1.ip-list.upsert", summary: "Create or Replace IP List" },
  "DELETE /api/v1/ip-list/{list_name}": { operationId: "v1.ip-list.delete", summary: "Delete IP List" },
  "GET /api/v1/portal/{app_id}/settings": {
    operationId: "v1.portal.settings",
    summary: "Get Portal Settings (No Token)",
  },
  "GET /api/v1/auth/portal-session": {
    operationId: "v1.authentication.portal-session",
    summary: "Get This Portal Session's Grants",
  },
  "POST /api/v1/app/{app_id}/inspector": { operationId: "v1.inspector.create", summary: "Create Inspector" },
  "GET /api/v1/app/{app_id}/inspector": { operationId: "v1.inspector.list", summary: "List Inspectors" },
  "GET /api/v1/app/{app_id}/inspector/{inspector_id}": {
    operationId: "v1.inspector.get",
    summary: "Get Inspector and Received Requests",
  },
  "DELETE /api/v1/app/{app_id}/inspector/{inspector_id}": {
    operationId: "v1.inspector.delete",
    summary: "Delete Inspector",
  },
  "GET /api/v1/auth/token": { operationId: "v1.authentication.token.list", summary: "List API Tokens" },
  "POST /api/v1/auth/token": { operationId: "v1.authentication.token.create", summary: "Create API Token" },
  "DELETE /api/v1/auth/token/{token_id}": {
    operationId: "v1.authentication.token.revoke",
    summary: "Revoke API Token",
  },
  "GET /api/v1/audit-log": { operationId: "v1.audit-log.list", summary: "List Audit Log Entries" },

  "GET /api/v1/operational-webhook/endpoint": {
    operationId: "v1.operational-webhook.endpoint.list",
    summary: "List Operational Webhook Endpoints",
  },
  "POST /api/v1/operational-webhook/endpoint": {
    operationId: "v1.operational-webhook.endpoint.create",
    summary: "Create Operational Webhook Endpoint",
  },
  "GET /api/v1/operational-webhook/endpoint/{endpoint_id}": {
    operationId: "v1.operational-webhook.endpoint.get",
    summary: "Get Operational Webhook Endpoint",
  },
  "PUT /api/v1/operational-webhook/endpoint/{endpoint_id}": {
    operationId: "v1.operational-webhook.endpoint.upsert",
    summary: "Upsert Operational Webhook Endpoint",
  },
  "DELETE /api/v1/operational-webhook/endpoint/{endpoint_id}": {
    operationId: "v1.operational-webhook.endpoint.delete",
    summary: "Delete Operational Webhook Endpoint",
  },
  "GET /api/v1/operational-webhook/endpoint/{endpoint_id}/headers": {
    operationId: "v1.operational-webhook.endpoint.get-headers",
    summary: "Get Operational Webhook Endpoint Headers",
  },
  "PUT /api/v1/operational-webhook/endpoint/{endpoint_id}/headers": {
    operationId: "v1.operational-webhook.endpoint.set-headers",
    summary: "Set Operational Webhook Endpoint Headers",
  },
  "GET /api/v1/operational-webhook/endpoint/{endpoint_id}/secret": {
    operationId: "v1.operational-webhook.endpoint.get-secret",
    summary: "Get Operational Webhook Endpoint Secret",
  },
  "POST /api/v1/operational-webhook/endpoint/{endpoint_id}/secret/rotate": {
    operationId: "v1.operational-webhook.endpoint.rotate-secret",
    summary: "Rotate Operational Webhook Endpoint Secret",
  },

  "GET /api/v1/alert-rule": { operationId: "v1.alert-rule.list", summary: "List Alert Rules" },
  "POST /api/v1/alert-rule": { operationId: "v1.alert-rule.create", summary: "Create Alert Rule" },
  "GET /api/v1/alert-rule/{rule_id}": { operationId: "v1.alert-rule.get", summary: "Get Alert Rule" },
  "PUT /api/v1/alert-rule/{rule_id}": { operationId: "v1.alert-rule.update", summary: "Update Alert Rule" },
  "DELETE /api/v1/alert-rule/{rule_id}": { operationId: "v1.alert-rule.delete", summary: "Delete Alert Rule" },

  "GET /api/v1/app/{app_id}/poller/{sink_id}": { operationId: "v1.message.poller.poll", summary: "Poller Poll" },
  "GET /api/v1/app/{app_id}/poller/{sink_id}/consumer/{consumer_id}": {
    operationId: "v1.message.poller.consumer-poll",
    summary: "Poller Consumer Poll",
  },
  "POST /api/v1/app/{app_id}/poller/{sink_id}/consumer/{consumer_id}/seek": {
    operationId: "v1.message.poller.consumer-seek",
    summary: "Poller Consumer Seek",
  },
  "GET /api/v1/app/{app_id}/polling-endpoint/{sink_id}/consumer/{consumer_id}": {
    operationId: "v1.message.pollerv2.consumer-poll",
    summary: "Pollerv2 Consumer Poll",
  },
  "POST /api/v1/app/{app_id}/polling-endpoint/{sink_id}/consumer/{consumer_id}/commit": {
    operationId: "v1.message.pollerv2.consumer-commit",
    summary: "Pollerv2 Consumer Commit",
  },
  "GET /api/v1/auth/app/{app_id}/poller/{endpoint_id}/token": {
    operationId: "v1.authentication.get-poller-token",
    summary: "Get Poller Token",
  },
  "POST /api/v1/auth/app/{app_id}/poller/{endpoint_id}/token/rotate": {
    operationId: "v1.authentication.rotate-poller-token",
    summary: "Rotate Poller Token",
  },
  "GET /api/v1/app/{app_id}/integration": { operationId: "v1.integration.list", summary: "List Integrations" },
  "POST /api/v1/app/{app_id}/integration": { operationId: "v1.integration.create", summary: "Create Integration" },
  "GET /api/v1/app/{app_id}/integration/{integ_id}": {
    operationId: "v1.integration.get",
    summary: "Get Integration",
  },
  "PUT /api/v1/app/{app_id}/integration/{integ_id}": {
    operationId: "v1.integration.update",
    summary: "Update Integration",
  },
  "DELETE /api/v1/app/{app_id}/integration/{integ_id}": {
    operationId: "v1.integration.delete",
    summary: "Delete Integration",
  },
  "GET /api/v1/app/{app_id}/integration/{integ_id}/key": {
    operationId: "v1.integration.get-key",
    summary: "Get Integration Key",
  },
  "POST /api/v1/app/{app_id}/integration/{integ_id}/key/rotate": {
    operationId: "v1.integration.rotate-key",
    summary: "Rotate Integration Key",
  },

  "GET /ingest/api/v1/source": { operationId: "v1.ingest.source.list", summary: "List Ingest Sources" },
  "POST /ingest/api/v1/source": { operationId: "v1.ingest.source.create", summary: "Create Ingest Source" },
  "GET /ingest/api/v1/source/{source_id}": { operationId: "v1.ingest.source.get", summary: "Get Ingest Source" },
  "PUT /ingest/api/v1/source/{source_id}": { operationId: "v1.ingest.source.upsert", summary: "Upsert Ingest Source" },
  "PATCH /ingest/api/v1/source/{source_id}": { operationId: "v1.ingest.source.patch", summary: "Patch Ingest Source" },
  "DELETE /ingest/api/v1/source/{source_id}": {
    operationId: "v1.ingest.source.delete",
    summary: "Delete Ingest Source",
  },
  "POST /ingest/api/v1/source/{source_id}/token/rotate": {
    operationId: "v1.ingest.source.rotate-token",
    summary: "Rotate Ingest Token",
  },
  "POST /ingest/api/v1/source/{source_id}/config/compare": {
    operationId: "v1.ingest.source.compare-config",
    summary: "Compare Ingest Source Config",
  },
  "GET /ingest/api/v1/source/{source_id}/endpoint": {
    operationId: "v1.ingest.endpoint.list",
    summary: "List Ingest Endpoints",
  },
  "POST /ingest/api/v1/source/{source_id}/endpoint": {
    operationId: "v1.ingest.endpoint.create",
    summary: "Create Ingest Endpoint",
  },
  "GET /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}": {
    operationId: "v1.ingest.endpoint.get",
    summary: "Get Ingest Endpoint",
  },
  "PUT /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}": {
    operationId: "v1.ingest.endpoint.upsert",
    summary: "Upsert Ingest Endpoint",
  },
  "PATCH /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}": {
    operationId: "v1.ingest.endpoint.patch",
    summary: "Patch Ingest Endpoint",
  },
  "DELETE /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}": {
    operationId: "v1.ingest.endpoint.delete",
    summary: "Delete Ingest Endpoint",
  },
  "GET /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/headers": {
    operationId: "v1.ingest.endpoint.get-headers",
    summary: "Get Ingest Endpoint Headers",
  },
  "PUT /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/headers": {
    operationId: "v1.ingest.endpoint.set-headers",
    summary: "Set Ingest Endpoint Headers",
  },
  "PATCH /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/headers": {
    operationId: "v1.ingest.endpoint.patch-headers",
    summary: "Patch Ingest Endpoint Headers",
  },
  "GET /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/secret": {
    operationId: "v1.ingest.endpoint.get-secret",
    summary: "Get Ingest Endpoint Signing Secret",
  },
  "POST /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/secret/rotate": {
    operationId: "v1.ingest.endpoint.rotate-secret",
    summary: "Rotate Ingest Endpoint Signing Secret",
  },
  "POST /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/recover": {
    operationId: "v1.ingest.endpoint.recover",
    summary: "Recover Failed Ingest Deliveries",
  },
  "POST /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/send-example": {
    operationId: "v1.ingest.endpoint.send-example",
    summary: "Send an Example to an Ingest Endpoint",
  },
  "GET /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/stats": {
    operationId: "v1.ingest.endpoint.get-stats",
    summary: "Ingest Endpoint Delivery Statistics",
  },
  "GET /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/transformation": {
    operationId: "v1.ingest.endpoint.transformation.get",
    summary: "Get Ingest Endpoint Transformation",
  },
  "PATCH /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/transformation": {
    operationId: "v1.ingest.endpoint.transformation.patch",
    summary: "Patch Ingest Endpoint Transformation",
  },
  "POST /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/transformation/simulate": {
    operationId: "v1.ingest.endpoint.transformation.simulate",
    summary: "Simulate Ingest Endpoint Transformation",
  },
  "GET /ingest/api/v1/source/{source_id}/log": { operationId: "v1.ingest.log.list", summary: "List Ingest Logs" },
  "GET /ingest/api/v1/source/{source_id}/log/{log_id}": {
    operationId: "v1.ingest.log.get",
    summary: "Get Ingest Log Entry",
  },
  "POST /ingest/api/v1/source/{source_id}/log/{log_id}/replay": {
    operationId: "v1.ingest.log.replay",
    summary: "Replay an Ingested Request",
  },
};
